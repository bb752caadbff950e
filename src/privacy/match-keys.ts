import type { Hash } from './policy'
import type { Contact } from './contact'

export const MATCH_KEY_NAMES = ['em', 'ph', 'fn', 'ln', 'ct', 'zp', 'country', 'external_id'] as const

/** Meta's match keys (advanced matching, Conversions API `user_data`), each SHA-256 hashed. */
export type MatchKeys = Partial<Record<(typeof MATCH_KEY_NAMES)[number], string>>

/** Spaces, digits and ASCII punctuation (`!-/`, `:-@`, `[-``, `{-~`); letters of any script stay. */
const NOT_LETTERS = /[\s\d!-/:-@[-`{-~]/g
const lower = (value: string | undefined) => (value ?? '').trim().toLowerCase()

/**
 * Meta's normalisation: email trimmed and lowercased; phone digits only with its country code,
 * no leading zeros; first and last name and city lowercased without punctuation or spaces; zip
 * lowercased without spaces; a two-letter country; external_id trimmed and lowercased.
 * https://developers.facebook.com/docs/marketing-api/conversions-api/parameters/customer-information-parameters
 */
export function normalizeContact(contact: Contact): MatchKeys {
  const out: MatchKeys = {}
  const email = lower(contact.email)
  if (email.includes('@')) out.em = email
  const phone = lower(contact.phone).replace(/\(0\)/g, '').replace(/\D/g, '').replace(/^0+/, '')
  if (phone.length >= 6) out.ph = phone
  const names = lower(contact.name).split(/\s+/).map((part) => part.replace(NOT_LETTERS, '')).filter(Boolean)
  if (names[0]) out.fn = names[0]
  if (names.length > 1) out.ln = names[names.length - 1]
  const city = lower(contact.city).replace(NOT_LETTERS, '')
  if (city) out.ct = city
  const zip = lower(contact.zip).replace(/\s/g, '')
  if (zip) out.zp = zip
  const country = lower(contact.country)
  if (/^[a-z]{2}$/.test(country)) out.country = country
  const externalId = lower(contact.externalId)
  if (externalId) out.external_id = externalId
  return out
}

/** The hashed match keys of a contact: never a value in clear. */
export function matchKeys(contact: Contact, hash: Hash): MatchKeys {
  const normalized = normalizeContact(contact)
  const hashed: MatchKeys = {}
  for (const key of Object.keys(normalized) as (keyof MatchKeys)[]) hashed[key] = hash(normalized[key] as string)
  return hashed
}
