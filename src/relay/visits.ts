import { hasOwn } from '../lib/has-own'
import type { VisitKeys } from '../adapter'
import type { JsonObject } from '../lib/json'
import { contactOf } from '../privacy/contact'
import { normalizeContact } from '../privacy/match-keys'
import { sameTurn } from './same-turn'
import { sha256Hex } from './sha256'
import type { Store } from './store'

/**
 * The lookup keys a visit is kept under: Popin's visitor id, and a captured lead's email and phone
 * normalised as Meta does, each only as a SHA-256 hex.
 */
export const uidLookup = (uid: string) => `uid:${sha256Hex(uid.trim())}`

/** The lookups of a webhook: its `user_id`, its email and phone (only those two hashed). */
export function webhookLookups(data: JsonObject): string[] {
  const { em: email, ph: phone } = normalizeContact(contactOf(data))
  const em = email && sha256Hex(email)
  const ph = phone && sha256Hex(phone)
  const uid = typeof data.user_id === 'string' || typeof data.user_id === 'number' ? String(data.user_id) : ''
  return [...(uid.trim() ? [uidLookup(uid)] : []), ...(em ? [`em:${em}`] : []), ...(ph ? [`ph:${ph}`] : [])]
}

/**
 * What is wrong with what `relay forget` was given, if anything: a value that could never match
 * what is kept must not answer "erased 0" as if the visitor had left nothing. Phones are kept
 * with their country code (src/privacy/contact.ts adds the webhook's), so one without it is refused.
 */
export function forgetProblem({ email, phone, uid }: { email?: string; phone?: string; uid?: string }): string | undefined {
  if (email !== undefined && !normalizeContact({ email }).em) return `--email ${JSON.stringify(email)} is not an email address`
  if (phone !== undefined && !/^\s*(\+|00)/.test(phone)) return `--phone ${JSON.stringify(phone)} has no country code: give it as +44 7700 900123 or 0044 7700 900123`
  if (phone !== undefined && !normalizeContact({ phone }).ph) return `--phone ${JSON.stringify(phone)} is not a phone number`
  if (uid !== undefined && !uid.trim()) return '--uid is empty'
  if (email === undefined && phone === undefined && uid === undefined) return 'give an --email, a --phone (with its country code) or a --uid'
  return undefined
}

/** The lookups `relay forget` erases for an email, a phone (with its country code) or a uid. */
export function forgetLookups({ email, phone, uid }: { email?: string; phone?: string; uid?: string }): string[] {
  const { em, ph } = normalizeContact({ email, phone })
  return [...(uid ? [uidLookup(uid)] : []), ...(em ? [`em:${sha256Hex(em)}`] : []), ...(ph ? [`ph:${sha256Hex(ph)}`] : [])]
}

/** The shapes each match key has when the page read it: anything else is left out. */
const SHAPES: Record<keyof VisitKeys, RegExp> = {
  fbp: /^fb\.\d\.\d{10,13}\.\d{1,20}$/,
  fbc: /^fb\.\d\.\d{10,13}\.[\w-]{1,500}$/,
  client_id: /^\d{1,20}\.\d{1,20}$/,
  session_id: /^\d{1,20}$/,
  anonymousId: /^[\w.:-]{1,100}$/,
}

/** A batch's keys (by destination), flattened and checked; unknown or malformed keys are dropped. */
export function visitKeysOf(keys: unknown): VisitKeys {
  const out: Record<string, string> = {}
  if (!keys || typeof keys !== 'object') return out
  for (const perDestination of Object.values(keys as Record<string, unknown>)) {
    if (!perDestination || typeof perDestination !== 'object') continue
    for (const [key, value] of Object.entries(perDestination as Record<string, unknown>)) {
      // Own keys only: "constructor" or "toString" must not find Object's.
      const shape = hasOwn(SHAPES, key) ? SHAPES[key as keyof VisitKeys] : undefined
      if (shape && typeof value === 'string' && shape.test(value)) out[key] = value
    }
  }
  return out
}

/** Merges recalled rows in the order of `lookups`: the first one that has a key gives it. */
export function mergeVisits(lookups: string[], rows: { lookup: string; keys: string }[]): VisitKeys {
  const out: Record<string, string> = {}
  for (const lookup of [...lookups].reverse()) {
    const row = rows.find((r) => r.lookup === lookup)
    if (row) Object.assign(out, JSON.parse(row.keys))
  }
  return out
}

/** A visit row as a store reads it: `updated_at` in epoch ms (PostgreSQL's BIGINT as text). */
export interface VisitRow {
  lookup: string
  keys: string
  updated_at: number | string
}

/**
 * A store's `recall` that answers the recalls of one turn with one read (each webhook recalls its
 * visitor's keys before it is stored): `read` gives the rows under any of `lookups` kept since
 * `since`; each recall keeps its own lookups, in its order, and its own time.
 */
export function recallByTurn(read: (lookups: string[], since: number) => Promise<VisitRow[]>): Store['recall'] {
  const together = sameTurn(async (asks: { lookups: string[]; since: number }[]) => {
    const rows = await read([...new Set(asks.flatMap((ask) => ask.lookups))], Math.min(...asks.map((ask) => ask.since)))
    return asks.map(({ lookups, since }) => mergeVisits(lookups, rows.filter((row) => Number(row.updated_at) >= since)))
  })
  return async (lookups, since) => (lookups.length ? together({ lookups, since }) : {})
}
