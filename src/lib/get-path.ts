import type { JsonValue } from './json'
import { isPlainObject } from './is-plain-object'

/** Reads `a.b.c` from nested objects; undefined when any step is missing. Own keys only. */
export function getPath(source: unknown, path: string): JsonValue | undefined {
  if (!path.includes('.')) {
    return isPlainObject(source) && Object.prototype.hasOwnProperty.call(source, path) ? (source[path] as JsonValue) : undefined
  }
  let current: unknown = source
  for (const key of path.split('.')) {
    if (!isPlainObject(current) || !Object.prototype.hasOwnProperty.call(current, key)) return undefined
    current = current[key]
  }
  return current as JsonValue | undefined
}
