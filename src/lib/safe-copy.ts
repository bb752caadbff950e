import { cutText } from './cut-text'
import type { JsonObject, JsonValue } from './json'
import { isPlainObject } from './is-plain-object'
import { PROTOTYPE_KEYS } from './prototype-keys'

/** Keys that could reach a prototype if a vendor merges our objects into its own. */
const FORBIDDEN_KEYS = new Set(PROTOTYPE_KEYS)

export const COPY_LIMITS = { depth: 4, keys: 64, items: 64, stringLength: 1000 } as const

/**
 * A JSON-only copy of whatever a page or widget handed us, within fixed limits: no functions,
 * no cycles, no prototype keys, no megabyte strings. Never throws, even on hostile getters.
 */
export function safeCopy(value: unknown, depth = 0): JsonValue | undefined {
  try {
    if (value === null) return null
    switch (typeof value) {
      case 'string':
        return cutText(value, COPY_LIMITS.stringLength)
      case 'number':
        return Number.isFinite(value) ? value : undefined
      case 'boolean':
        return value
      case 'object':
        if (depth >= COPY_LIMITS.depth) return undefined
        if (Array.isArray(value)) return copyArray(value, depth)
        return isPlainObject(value) ? copyObject(value, depth) : undefined
      default:
        return undefined
    }
  } catch {
    return undefined
  }
}

/** The payload of a Popin call as an object: anything else (string, array, null) becomes `{}`. */
export function safePayload(value: unknown): JsonObject {
  // A plain object copies to a plain object, or to nothing when reading it threw.
  const copy = isPlainObject(value) ? (safeCopy(value) as JsonObject | undefined) : undefined
  return copy ?? {}
}

function copyArray(source: unknown[], depth: number): JsonValue[] {
  const out: JsonValue[] = []
  const length = Math.min(source.length, COPY_LIMITS.items)
  for (let i = 0; i < length; i++) {
    const item = safeCopy(source[i], depth + 1)
    if (item !== undefined) out.push(item)
  }
  return out
}

function copyObject(source: Record<string, unknown>, depth: number): JsonObject {
  const out: JsonObject = {}
  let kept = 0
  for (const key of Object.keys(source)) {
    if (kept >= COPY_LIMITS.keys) break
    if (FORBIDDEN_KEYS.has(key) || key.length > 100) continue
    const item = safeCopy(readKey(source, key), depth + 1)
    if (item === undefined) continue
    out[key] = item
    kept++
  }
  return out
}

/** A getter that throws costs its own key, not the whole payload. */
function readKey(source: Record<string, unknown>, key: string): unknown {
  try {
    return source[key]
  } catch {
    return undefined
  }
}
