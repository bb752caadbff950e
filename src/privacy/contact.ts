import { hasOwn } from '../lib/has-own'
import type { JsonObject } from '../lib/json'

/** A person's contact details as Popin reports them, whichever event or webhook carried them. */
export interface Contact {
  email?: string
  /** With its country code when Popin sent one, e.g. `+44 7700900123`. */
  phone?: string
  name?: string
  city?: string
  zip?: string
  country?: string
  /** Popin's visitor id (webhooks' `user_id`): Meta's `external_id`. */
  externalId?: string
}

/**
 * Popin sends `""` for fields it has no value for: those count as missing. `hasOwn` first: V8
 * reads a property an object lacks, by a key that varies, about 15 times slower than it checks it.
 */
function first(data: JsonObject, ...keys: string[]): string | undefined {
  for (const key of keys) {
    const value = hasOwn(data, key) ? data[key] : undefined
    if (typeof value === 'string' && value.trim() !== '') return value.trim()
  }
  return undefined
}

/**
 * The contact in a browser event (`popin_captured`: name, email, mobile, ...) or a webhook (top
 * level `email`, `full_phone_number` / `phone_number` + `country_code`, falling back to the
 * `properties.customer_*` fields). A phone without an international prefix gets the webhook's
 * dialing code: Meta matches phone numbers only with their country code.
 */
export function contactOf(data: JsonObject): Contact {
  const contact: Contact = {}
  const set = (key: keyof Contact, value: string | undefined) => value !== undefined && (contact[key] = value)
  set('email', first(data, 'email', 'customer_email'))
  set('phone', withCountryCode(first(data, 'full_phone_number', 'mobile', 'phone', 'phone_number', 'customer_phone_number'), first(data, 'country_code', 'customer_country_code')))
  set('name', first(data, 'name', 'customer_name'))
  set('city', first(data, 'city'))
  set('zip', first(data, 'pin_code'))
  set('country', first(data, 'country'))
  const userId = data.user_id
  set('externalId', typeof userId === 'number' && Number.isFinite(userId) ? String(userId) : first(data, 'user_id'))
  return contact
}

const INTERNATIONAL = /^(\+|00)/

function withCountryCode(phone: string | undefined, dialingCode: string | undefined): string | undefined {
  if (phone === undefined || INTERNATIONAL.test(phone)) return phone
  const code = dialingCode?.replace(/\D/g, '')
  if (!code) return phone
  const national = phone.replace(/\(0\)/g, '').replace(/\D/g, '').replace(/^0+/, '')
  // Already prefixed, without its "+": national numbers are at most about ten digits long.
  return national.startsWith(code) && national.length >= code.length + 10 ? `+${national}` : `+${code}${national}`
}
