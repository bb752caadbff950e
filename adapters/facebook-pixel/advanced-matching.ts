import type { JsonObject } from '../../src/lib/json'

/** Meta's advanced-matching keys, normalised as Meta asks; the Pixel hashes them itself. */
export type UserData = Partial<Record<'em' | 'ph' | 'fn' | 'ln' | 'ct' | 'zp' | 'country', string>>

const text = (value: unknown) => (typeof value === 'string' ? value.trim().toLowerCase() : '')

/**
 * Advanced-matching fields from a captured lead: email lowercased, phone digits only, first and
 * last name from `name`, city and pin code without spaces, a two-letter country.
 * https://developers.facebook.com/docs/meta-pixel/advanced/advanced-matching
 */
export function userDataFromLead(data: JsonObject): UserData {
  const out: UserData = {}
  const email = text(data.email)
  if (email.includes('@')) out.em = email
  const phone = text(data.mobile).replace(/\(0\)/g, '').replace(/\D/g, '').replace(/^0+/, '')
  if (phone.length >= 6) out.ph = phone
  const [first, ...rest] = text(data.name).split(/\s+/).filter(Boolean)
  if (first) out.fn = first
  if (rest.length) out.ln = rest[rest.length - 1]
  // Letters only: no spaces, digits or ASCII punctuation (`!-/`, `:-@`, `[-``, `{-~`).
  const city = text(data.city).replace(/[\s\d!-/:-@[-`{-~]/g, '')
  if (city) out.ct = city
  const zip = text(data.pin_code).replace(/\s/g, '')
  if (zip) out.zp = zip
  const country = text(data.country)
  if (/^[a-z]{2}$/.test(country)) out.country = country
  return out
}
