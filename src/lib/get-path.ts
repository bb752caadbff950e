import { hasOwn } from './has-own'
import type { JsonObject, JsonValue } from './json'

const { isArray } = Array // read once, as in has-own.ts

/**
 * Reads `a.b.c` from a JSON value; undefined when any step is missing. Own keys only. The source
 * is a safe copy (`safe-copy.ts`), so every object in it is a plain one: no prototype checks.
 */
export function getPath(source: JsonValue | undefined, path: string): JsonValue | undefined {
  if (!path.includes('.')) return ownValue(source, path)
  let current = source
  for (const key of path.split('.')) {
    current = ownValue(current, key)
    if (current === undefined) return undefined
  }
  return current
}

function ownValue(source: JsonValue | undefined, key: string): JsonValue | undefined {
  const isObject = source !== null && typeof source === 'object' && !isArray(source)
  return isObject && hasOwn(source, key) ? (source as JsonObject)[key] : undefined
}
