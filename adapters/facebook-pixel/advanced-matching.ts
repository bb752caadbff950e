import type { JsonObject } from '../../src/lib/json'
import { sha256Hex } from '../../src/lib/sha256'

/** Meta's advanced-matching keys; each value is normalised as Meta asks, then SHA-256 hashed. */
export type UserData = Partial<Record<'em' | 'ph' | 'fn' | 'ln' | 'ct' | 'zp' | 'country', string>>

const text = (value: unknown) => (typeof value === 'string' ? value.trim().toLowerCase() : '')
/** Spaces, digits and ASCII punctuation (`!-/`, `:-@`, `[-``, `{-~`); letters of any script stay. */
const NOT_LETTERS = /[\s\d!-/:-@[-`{-~]/g

/**
 * Meta's normalisation of a captured lead: email trimmed and lowercased; phone digits only, no
 * leading zeros or "(0)"; first and last name and city lowercased without punctuation or spaces;
 * pin code lowercased without spaces; a two-letter country. Then hashed, never sent in clear.
 * https://developers.facebook.com/docs/marketing-api/conversions-api/parameters/customer-information-parameters
 */
export function normalizeLead(data: JsonObject): UserData {
  const out: UserData = {}
  const email = text(data.email)
  if (email.includes('@')) out.em = email
  const phone = text(data.mobile).replace(/\(0\)/g, '').replace(/\D/g, '').replace(/^0+/, '')
  if (phone.length >= 6) out.ph = phone
  const names = text(data.name).split(/\s+/).map((part) => part.replace(NOT_LETTERS, '')).filter(Boolean)
  if (names[0]) out.fn = names[0]
  if (names.length > 1) out.ln = names[names.length - 1]
  const city = text(data.city).replace(NOT_LETTERS, '')
  if (city) out.ct = city
  const zip = text(data.pin_code).replace(/\s/g, '')
  if (zip) out.zp = zip
  const country = text(data.country)
  if (/^[a-z]{2}$/.test(country)) out.country = country
  return out
}

/** The hashed user data for `fbq('init', pixelId, userData)`. */
export function userDataFromLead(data: JsonObject): UserData {
  const normalized = normalizeLead(data)
  const hashed: UserData = {}
  for (const [key, value] of Object.entries(normalized)) hashed[key as keyof UserData] = sha256Hex(value)
  return hashed
}
