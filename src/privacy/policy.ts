import { FIELD_CLASSES, type FieldClass, SCREEN_IDS } from '../events/catalog'
import type { JsonValue } from '../lib/json'

/**
 * The privacy policy, in one place. Every value that leaves the bridge or the relay is judged
 * here, by where it came from and what it looks like:
 *
 * - a field the catalog calls `personal` is personal;
 * - a catalog `safe` field must look safe (a number, a boolean, or a short text with no `@`, no
 *   phone number, no long digit run), an `id` field must look like an id, else it counts as personal;
 * - a field the catalog does not know (a new Popin event) may pass only as a boolean, a number
 *   that cannot be a phone number, or a short id-like string (letters, digits, `_ - . :`, at least
 *   one digit, not digits alone); anything else, free text above all, counts as personal;
 * - Popin event names and screen ids from the page pass only when they look like Popin's own.
 *
 * A destination's policy then says what happens to what counts as personal: `send` it as it is,
 * `hash` it (SHA-256 of the trimmed, lowercased text), or `omit` it. GA4 and Facebook custom data
 * are always `omit`, whatever the config says.
 */
export type PersonalPolicy = 'send' | 'hash' | 'omit'
export const PERSONAL_POLICIES = ['send', 'hash', 'omit'] as const

/** A source's class: a catalog class, `event` / `screen` names, or undefined for unknown fields. */
export type SourceClass = FieldClass | 'event' | 'screen' | undefined

export type Hash = (text: string) => string

/** The class of a payload path: the top-level field decides (`captured.email` is `captured`). */
export function fieldClass(path: string): FieldClass | undefined {
  const dot = path.indexOf('.')
  return FIELD_CLASSES.get(dot === -1 ? path : path.slice(0, dot))
}

export const isPersonalPath = (path: string) => fieldClass(path) === 'personal'

const ID_LIKE = /^[A-Za-z0-9_.:-]{1,64}$/
const DIGIT = /\d/
const DIGITS_ONLY = /^\d+$/
const PHONE_LIKE = /^\+?[\d\s().-]{7,}$/
const LONG_DIGIT_RUN = /\d{9}/
const AT_SIGN = /@|%40/i
const SAFE_TEXT_MAX = 200
/** Integers of 7 digits or more could be phone numbers. */
const PHONE_SIZED = 1e6

const isNumberSafe = (value: number) => Number.isFinite(value) && (!Number.isInteger(value) || Math.abs(value) < PHONE_SIZED)

/** A value from a field nobody documented: booleans, small numbers and id-like strings only. */
export function isIdLike(value: JsonValue): boolean {
  if (typeof value === 'boolean') return true
  if (typeof value === 'number') return isNumberSafe(value)
  return typeof value === 'string' && ID_LIKE.test(value) && DIGIT.test(value) && !DIGITS_ONLY.test(value)
}

/** A documented non-personal field still gets checked: a page can put anything anywhere. */
export function isSafeValue(value: JsonValue): boolean {
  if (typeof value === 'boolean') return true
  if (typeof value === 'number') return Number.isFinite(value)
  if (typeof value !== 'string') return false
  if (value.length > SAFE_TEXT_MAX || AT_SIGN.test(value) || LONG_DIGIT_RUN.test(value)) return false
  const digits = value.replace(/\D/g, '').length
  return !(digits >= 7 && PHONE_LIKE.test(value))
}

const POPIN_EVENT_NAME = /^(?:popin|nudge)_[a-z0-9_]{1,60}$/
const POPIN_SCREEN_ID = /^(?:SCREEN|PRODUCT)_[A-Z0-9_]{1,60}$/
const KNOWN_SCREENS: ReadonlySet<string> = new Set(SCREEN_IDS)

/** Whether a leaf value may go out as it is from a source of this class. */
export function isClean(value: JsonValue, cls: SourceClass): boolean {
  if (value === null) return true
  switch (cls) {
    case 'personal':
      return false
    case 'safe':
      return isSafeValue(value)
    case 'event':
      return typeof value === 'string' && POPIN_EVENT_NAME.test(value)
    case 'screen':
      return typeof value === 'string' && (KNOWN_SCREENS.has(value) || POPIN_SCREEN_ID.test(value))
    default:
      return isIdLike(value)
  }
}

/**
 * A value as the policy lets it out, leaf by leaf; undefined when nothing of it may go.
 * Objects and arrays keep their shape with only their allowed leaves.
 */
export function applyPolicy(value: JsonValue, cls: SourceClass, policy: PersonalPolicy, hash: Hash): JsonValue | undefined {
  if (value !== null && typeof value === 'object') {
    if (Array.isArray(value)) {
      const items = value.map((item) => applyPolicy(item, cls, policy, hash)).filter((item) => item !== undefined) as JsonValue[]
      return items.length ? items : undefined
    }
    const out: Record<string, JsonValue> = {}
    let any = false
    for (const key of Object.keys(value)) {
      const child = applyPolicy(value[key] as JsonValue, cls, policy, hash)
      if (child === undefined) continue
      out[key] = child
      any = true
    }
    return any ? out : undefined
  }
  if (policy === 'send' || isClean(value, cls)) return value
  if (policy === 'omit' || typeof value === 'boolean' || value === null) return undefined
  return hash(String(value).trim().toLowerCase())
}
