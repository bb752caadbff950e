import { FIELD_CLASSES, type FieldClass, POPIN_EVENTS, WEBHOOK_EVENTS } from '../events/catalog'
import { isTimeZone } from '../lib/is-time-zone'
import type { JsonValue } from '../lib/json'

/**
 * The privacy policy, in one place. Every value that leaves the bridge or the relay is judged
 * here, by where it came from and what it looks like (README, "Personal data: the rule"):
 *
 * - a field the catalog calls `personal` is personal;
 * - a documented field must have its documented shape (a flag, a rating, a country code, a time,
 *   a time zone, a duration, a URL, a screen id, a Popin event name, an id, a shop's label);
 * - a field the catalog does not know (a new Popin event) passes only as a boolean, a number
 *   that cannot be a phone number or a pin code, or a machine-like id;
 * - whatever fails counts as personal: free text never passes.
 *
 * A destination's policy then says what happens to what counts as personal: `send` it as it is,
 * `hash` it (SHA-256 of the trimmed, lowercased text), or `omit` it. GA4 and Facebook custom data
 * are always `omit`, whatever the config says.
 */
export type PersonalPolicy = 'send' | 'hash' | 'omit'
export const PERSONAL_POLICIES = ['send', 'hash', 'omit'] as const

/**
 * A source's class: a catalog class; `known-event` for an event name the catalog lists (ids use
 * nothing else); `generated` for what the bridge made itself (the occurrence); undefined for a
 * field the catalog does not know.
 */
export type SourceClass = FieldClass | 'known-event' | 'generated' | undefined

export type Hash = (text: string) => string

/** The class of a payload path: the top-level field decides (`captured.email` is `captured`). */
export function fieldClass(path: string): FieldClass | undefined {
  const dot = path.indexOf('.')
  return FIELD_CLASSES.get(dot === -1 ? path : path.slice(0, dot))
}

/** Short, no spaces, a letter and a digit, no pin code or phone number (6 digits in a row). */
const TOKEN = '(?=[^]*\\d)(?=[^]*[A-Za-z])(?![^]*\\d{6})[A-Za-z0-9_.:-]{1,64}'
/** Ids Popin makes: such a token, at most 5 digits (its examples: `"call_id": 28844`), a UUID or an ObjectId. */
const POPIN_ID = /* @__PURE__ */ new RegExp(`^(?:${TOKEN}|\\d{1,5}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{24}|[0-9a-f]{32})$`, 'i')
/** A field nobody documented: such a token with no word in it (5 letters in a row). */
const UNKNOWN_ID = /* @__PURE__ */ new RegExp(`^(?![^]*[A-Za-z]{5})${TOKEN}$`)
/** Integers of 6 digits or more could be a pin code or a phone number. */
const PHONE_OR_PIN_SIZED = 1e5

const isSmallNumber = (value: number) => Number.isFinite(value) && (!Number.isInteger(value) || Math.abs(value) < PHONE_OR_PIN_SIZED)

/** Booleans, small numbers, and strings of the given shape. */
const idOf = (pattern: RegExp) => (value: JsonValue) =>
  typeof value === 'boolean' || (typeof value === 'number' ? isSmallNumber(value) : typeof value === 'string' && pattern.test(value))
// Pure: a compiled tag whose plan never asks leaves them out (src/tag/needs.ts).
const isPopinId = /* @__PURE__ */ idOf(POPIN_ID)
const isUnknownValue = /* @__PURE__ */ idOf(UNKNOWN_ID)

// What a Popin date or time holds besides digits: "21-Nov-2026", "03:30 PM", "2026-11-21T10:00:00.000000Z".
const TIME_WORDS = /(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*|(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*|[ap]\.?m\.?|utc|gmt|,/g
// A year alone is 19xx or 20xx: "0770 0900 1234" is three groups of a phone number, not three years.
const DATE = /^(?:\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.](?:\d{2}|\d{4})|\d{1,2}-+\d{4}|(?:19|20)\d{2}|\d{1,2})$/
const CLOCK = /^\d{1,2}(?::\d{2}){1,2}(?:\.\d{1,9})?$/
const OFFSET = /^[+-]\d{2}:?\d{2}$/
/** Seconds or milliseconds since 1970 from 2014 to 2033: a 10-digit phone number is above that. */
const isEpoch = (n: number) => (n >= 1.4e9 && n < 2e9) || (n >= 1.4e12 && n < 2e12)

/** A date, a time, both, with an offset; or an epoch. Every token must be one of these: a phone number is none. */
function isTime(value: JsonValue): boolean {
  if (typeof value === 'number') return isEpoch(value)
  if (typeof value !== 'string' || value.length > 60) return false
  if (/^\d{10}(?:\d{3})?$/.test(value)) return isEpoch(Number(value))
  const tokens = value
    .toLowerCase()
    .replace(/(\d)t(\d)/g, '$1 $2')
    .replace(/(\d)z$/, '$1')
    .replace(/(\d)([+-]\d{2}:?\d{2})$/, '$1 $2')
    .replace(TIME_WORDS, '')
    .trim()
    .split(/\s+/)
  return tokens.some((token) => /\d/.test(token) && token.length > 2) && tokens.every((token) => DATE.test(token) || CLOCK.test(token) || OFFSET.test(token))
}

/**
 * The shape each documented field must have (src/events/catalog.ts). A compiled tag keeps only
 * the shapes its plan can ask about (src/tag/needs.ts); a shape left out counts as personal.
 */
const SHAPES: Partial<Record<Exclude<FieldClass, 'personal' | 'id'>, (value: JsonValue) => boolean>> = {
  ...((typeof __TAG_SHAPES__ === 'undefined' || __TAG_SHAPES__.flag) && { flag: (value: JsonValue) => typeof value === 'boolean' }),
  // A rating, as a number or its text ("5", "4.5").
  ...((typeof __TAG_SHAPES__ === 'undefined' || __TAG_SHAPES__.number) && { number: (value: JsonValue) => (typeof value === 'number' ? isSmallNumber(value) : typeof value === 'string' && /^\d{1,2}(?:\.\d)?$/.test(value)) }),
  // ISO 3166 alpha-2, as Popin's lead form sends it ("GB"); a country's name is not a code.
  ...((typeof __TAG_SHAPES__ === 'undefined' || __TAG_SHAPES__.country) && { country: (value: JsonValue) => typeof value === 'string' && /^[A-Za-z]{2}$/.test(value) }),
  ...((typeof __TAG_SHAPES__ === 'undefined' || __TAG_SHAPES__.guest) && { guest: (value: JsonValue) => typeof value === 'string' && /^(?:user|agent)$/i.test(value) }),
  ...((typeof __TAG_SHAPES__ === 'undefined' || __TAG_SHAPES__.dialing) && { dialing: (value: JsonValue) => (typeof value === 'number' ? Number.isInteger(value) && value > 0 && value < 1e4 : typeof value === 'string' && /^\+?\d{1,4}$/.test(value)) }),
  ...((typeof __TAG_SHAPES__ === 'undefined' || __TAG_SHAPES__.time) && { time: isTime }),
  ...((typeof __TAG_SHAPES__ === 'undefined' || __TAG_SHAPES__.zone) && { zone: (value: JsonValue) => typeof value === 'string' && value.length <= 40 && isTimeZone(value) }),
  // "00:12:30", or seconds.
  ...((typeof __TAG_SHAPES__ === 'undefined' || __TAG_SHAPES__.duration) && { duration: (value: JsonValue) => (typeof value === 'number' ? isSmallNumber(value) : typeof value === 'string' && /^(?:\d{1,3}(?::\d{2}){1,2}|\d{1,5})$/.test(value)) }),
  // No query, no fragment, no "@" however written ("%40" in a path, "%2540" encoded twice, full-width).
  ...((typeof __TAG_SHAPES__ === 'undefined' || __TAG_SHAPES__.url) && { url: (value: JsonValue) => typeof value === 'string' && value.length <= 500 && /^https?:\/\/[^\s?#]+$/.test(value) && !hasAtSign(value) }),
  ...((typeof __TAG_SHAPES__ === 'undefined' || __TAG_SHAPES__.screen) && { screen: (value: JsonValue) => typeof value === 'string' && POPIN_SCREEN_ID.test(value) }),
  ...((typeof __TAG_SHAPES__ === 'undefined' || __TAG_SHAPES__.event) && { event: (value: JsonValue) => typeof value === 'string' && POPIN_EVENT_NAME.test(value) }),
  ...((typeof __TAG_SHAPES__ === 'undefined' || __TAG_SHAPES__.label) && { label: isSafeText }),
}

/** A short text with no `@`, no long digit run and no phone number anywhere in it. */
function isSafeText(value: JsonValue): boolean {
  if (typeof value === 'boolean') return true
  if (typeof value === 'number') return isSmallNumber(value)
  if (typeof value !== 'string' || value.length > SAFE_TEXT_MAX) return false
  // Full-width digits and at signs read as ASCII ones.
  const text = value.normalize('NFKC')
  if (AT_SIGN.test(text) || /\d{6}/.test(text)) return false
  return !text.split(SPACED_DASH).some((part) => (part.match(PHONE_RUN) ?? []).some((run) => !NUMERIC_DATE.test(run) && run.replace(/\D/g, '').length >= 7))
}

/**
 * Where a phone number can hide in a text: a run of digits, spaces, dots, dashes (any Unicode
 * hyphen), slashes and brackets ("415-555-0123", "ring 07700 900 123", "+44 (0)7700 900123");
 * 7 digits in one run is a phone, unless the run is a date ("2026-12-01"). A dash with spaces
 * around it ends a run: "Catalogue 2025 - 2026", "Open 9.00 - 17.30".
 */
const PHONE_RUN = /\+?[\d(][\d\s()./\u2010-\u2015-]{5,}\d/g
const SPACED_DASH = /\s[-\u2010-\u2015]\s/
const NUMERIC_DATE = /^(?:\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{4})$/
/** An at sign, as itself or percent-encoded once or more (after NFKC, which makes the full-width and small ones "@"). */
const AT_SIGN = /@|%(?:25)*40/i
/** Whether a text holds an at sign however written. */
export const hasAtSign = (text: string) => AT_SIGN.test(text.normalize('NFKC'))
const SAFE_TEXT_MAX = 200
// Popin's own names, with no phone or pin code (6 digits) in them: every screen of the catalog is
// one (test/policy.test.ts), so the catalog's list need not ship for this check.
const POPIN_EVENT_NAME = /^(?![^]*\d{6})(?:popin|nudge)_[a-z0-9_]{1,60}$/
const POPIN_SCREEN_ID = /^(?![^]*\d{6})(?:SCREEN|PRODUCT)_[A-Z0-9_]{1,60}$/
const CATALOG_EVENTS: ReadonlySet<string> = /* @__PURE__ */ new Set([...POPIN_EVENTS, ...WEBHOOK_EVENTS])

/** Whether a leaf value may go out as it is from a source of this class (undefined: unknown field). */
export function isClean(value: JsonValue, cls: SourceClass): boolean {
  if (value === null || cls === 'generated') return true
  if (cls === 'personal') return false
  if (cls === undefined) return (typeof __TAG_SHAPES__ === 'undefined' || __TAG_SHAPES__.unknown) && isUnknownValue(value)
  if (cls === 'id') return (typeof __TAG_SHAPES__ === 'undefined' || __TAG_SHAPES__.id) && isPopinId(value)
  if (cls === 'known-event') return (typeof __TAG_SHAPES__ === 'undefined' || __TAG_SHAPES__['known-event']) && typeof value === 'string' && CATALOG_EVENTS.has(value)
  const shape = SHAPES[cls]
  return shape !== undefined && shape(value)
}

/**
 * A value as the policy lets it out, leaf by leaf; undefined when nothing of it may go.
 * Objects and arrays keep their shape with only their allowed leaves.
 */
export function applyPolicy(value: JsonValue, cls: SourceClass, policy: PersonalPolicy, hash: Hash): JsonValue | undefined {
  if (value !== null && typeof value === 'object') {
    // A documented field has a flat shape: an object there is not what Popin documents.
    const leafClass = cls === undefined || cls === 'generated' ? cls : 'personal'
    if (Array.isArray(value)) {
      const items = value.map((item) => applyPolicy(item, leafClass, policy, hash)).filter((item) => item !== undefined) as JsonValue[]
      return items.length ? items : undefined
    }
    const out: Record<string, JsonValue> = {}
    let any = false
    for (const key of Object.keys(value)) {
      const child = applyPolicy(value[key] as JsonValue, leafClass, policy, hash)
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
