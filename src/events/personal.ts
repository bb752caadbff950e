import type { JsonValue } from '../lib/json'
import { sha256Hex } from '../lib/sha256'
import type { MappedCall } from '../mapping/types'
import { PERSONAL_FIELDS } from './catalog'

/** Payload paths like `email` or `captured.name` that identify a person. */
const PERSONAL = new Set(PERSONAL_FIELDS)

export function isPersonalPath(path: string): boolean {
  const dot = path.indexOf('.')
  return PERSONAL.has(dot === -1 ? path : path.slice(0, dot))
}

const PERSONAL_KEY = /^(e?mail|email_address|phone|phone_number|mobile|name|first_?name|last_?name|full_?name|customer_name|city|zip|zip_?code|postal_?code|pin_?code|address|comments?|remark|feedback)$/i
const EMAIL_VALUE = /[^\s@]+@[^\s@]+\.[^\s@]+/

/**
 * A last line of defence for destinations that must never get personal data: catches
 * parameters named like personal fields, and email addresses in any value.
 */
export function looksPersonal(key: string, value: unknown): boolean {
  if (PERSONAL_KEY.test(key)) return true
  return typeof value === 'string' && value.includes('@') && EMAIL_VALUE.test(value)
}

/** What a destination that may receive personal data does with it. */
export type PersonalPolicy = 'send' | 'hash' | 'omit'
export const PERSONAL_POLICIES = /^(send|hash|omit)$/

/**
 * Applies a destination's personal-data policy to the params that came from personal fields:
 * `hash` replaces each text with the SHA-256 of its trimmed, lowercased form; `omit` drops them.
 */
export function applyPersonalPolicy(call: MappedCall, policy: PersonalPolicy, note: (message: string) => void): MappedCall {
  if (policy === 'send' || call.personal.length === 0) return call
  const params = { ...call.params }
  for (const key of call.personal) {
    if (!(key in params)) continue
    if (policy === 'omit') delete params[key]
    else params[key] = hashLeaves(params[key] as JsonValue)
    note(`${policy === 'omit' ? 'omitted' : 'hashed'} personal param "${key}"`)
  }
  return { ...call, params }
}

function hashLeaves(value: JsonValue): JsonValue {
  if (value === null || typeof value === 'boolean') return value
  if (typeof value !== 'object') return sha256Hex(String(value).trim().toLowerCase())
  if (Array.isArray(value)) return value.map(hashLeaves)
  return Object.fromEntries(Object.entries(value).map(([key, child]) => [key, hashLeaves(child)]))
}
