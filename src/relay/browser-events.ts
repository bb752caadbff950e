import type { Call } from '../adapter'
import { isPlainObject } from '../lib/is-plain-object'
import type { JsonObject, JsonValue } from '../lib/json'
import { MAX_RULES_PER_EVENT } from '../config/schema'
import type { DestinationPlan } from '../plan/compile'
import { MATCH_KEY_NAMES } from '../privacy/match-keys'
import { hasAtSign, isClean } from '../privacy/policy'

/** What `POST /e` takes: the bridge's batches are a few KB; browsers cap a beacon at 64 KB. */
export const BROWSER_PATH = '/e'
export const MAX_BROWSER_BODY_BYTES = 64 * 1024
export const MAX_BROWSER_EVENTS = 100

/** One occurrence of a batch, checked: its calls per destination the relay forwards. */
export interface BrowserEvent {
  id: string
  event: string
  at: number
  uid?: string
  lead: { em?: string; ph?: string }
  calls: Map<DestinationPlan, Call[]>
}

const HASH = /^[0-9a-f]{64}$/
/** The bridge's ids: its template's text, the event's name, digits; no space, and no at sign however written (an email is no id). */
const isId = (value: unknown): value is string => typeof value === 'string' && /^\S{1,200}$/.test(value) && !hasAtSign(value)
/** A time in epoch milliseconds within what a Date holds. */
const isEpochMs = (value: unknown): value is number => typeof value === 'number' && Math.abs(value) <= 8.64e15

/** Thrown for a batch that is not what the bridge sends: the answer is 400 with this message. */
export class BadBatch extends Error {}

/**
 * Checks a batch from the page and turns it into calls for the relay's destinations. The page
 * already applied the plan and the privacy policy; this is the second line, for anything that
 * posts here: for a destination that never receives personal data (GA4, Facebook custom data),
 * only names and values that would pass as a label, a URL or a time get through, and Meta's match keys
 * must be SHA-256 hex. Destinations this relay does not forward to are skipped.
 */
export function browserEvents(body: unknown, routes: readonly DestinationPlan[]): { url?: string; sent?: number; events: BrowserEvent[] } {
  if (!isPlainObject(body)) throw new BadBatch('body must be a JSON object with an "events" list')
  const { events, sent } = body
  if (body.url !== undefined && typeof body.url !== 'string') throw new BadBatch('"url" must be the page\'s URL')
  if (sent !== undefined && !isEpochMs(sent)) throw new BadBatch('"sent" must be a time in epoch milliseconds')
  // An address the policy would not let out (a query, an "@") is left out, not refused.
  const url = typeof body.url === 'string' && isClean(body.url, 'url') ? body.url : undefined
  if (!Array.isArray(events) || events.length === 0 || events.length > MAX_BROWSER_EVENTS) throw new BadBatch(`"events" must be a list of 1 to ${MAX_BROWSER_EVENTS} events`)
  return { ...(url ? { url } : {}), ...(sent !== undefined ? { sent } : {}), events: events.map((event, i) => browserEvent(event, `events[${i}]`, routes, url)) }
}

function browserEvent(input: unknown, path: string, routes: readonly DestinationPlan[], url: string | undefined): BrowserEvent {
  if (!isPlainObject(input)) throw new BadBatch(`${path} must be an object`)
  const { id, event, at, uid, lead, calls } = input
  if (!isId(id)) throw new BadBatch(`${path}.id must be the occurrence's id`)
  if (typeof event !== 'string' || event.length === 0 || event.length > 100) throw new BadBatch(`${path}.event must be the Popin event's name`)
  if (!isEpochMs(at)) throw new BadBatch(`${path}.at must be a time in epoch milliseconds`)
  if (uid !== undefined && (typeof uid !== 'string' || !isClean(uid, 'id'))) throw new BadBatch(`${path}.uid must be Popin's visitor id`)
  if (!isPlainObject(calls)) throw new BadBatch(`${path}.calls must be an object of calls by destination`)
  const hashes = isPlainObject(lead) ? lead : {}
  const out: BrowserEvent = { id, event, at, ...(uid ? { uid } : {}), lead: {}, calls: new Map() }
  for (const key of ['em', 'ph'] as const) if (typeof hashes[key] === 'string' && HASH.test(hashes[key] as string)) out.lead[key] = hashes[key] as string
  for (const destination of routes) {
    const list = calls[destination.adapter.name]
    if (list === undefined) continue
    const where = `${path}.calls.${destination.adapter.name}`
    if (!Array.isArray(list) || list.length === 0 || list.length > MAX_RULES_PER_EVENT) throw new BadBatch(`${where} must be a list of 1 to ${MAX_RULES_PER_EVENT} calls`)
    out.calls.set(destination, list.map((call, i) => browserCall(call, `${where}[${i}]`, destination, { eventId: id, event: { name: event, kind: 'known' }, ...(uid ? { visitor: uid } : {}), ...(url ? { url } : {}) })))
  }
  return out
}

function browserCall(input: unknown, path: string, { adapter }: DestinationPlan, shared: Omit<Call, 'call' | 'name' | 'params'>): Call {
  if (!isPlainObject(input)) throw new BadBatch(`${path} must be an object`)
  const { call, name, params, matchKeys } = input
  if (typeof call !== 'string' || !adapter.calls.includes(call)) throw new BadBatch(`${path}.call must be one of ${adapter.calls.join(', ')}`)
  if (typeof name !== 'string' || name.length === 0 || name.length > 100) throw new BadBatch(`${path}.name must be a name of 1 to 100 characters`)
  if (!isPlainObject(params)) throw new BadBatch(`${path}.params must be an object`)
  const strict = adapter.personalData === 'never'
  if (strict && !passes(name)) throw new BadBatch(`${path}.name is not a name ${adapter.label} may receive`)
  const out: Call = { ...shared, call, name, params: (strict ? clean(params as JsonObject) : params) as JsonObject }
  if (matchKeys !== undefined) {
    if (!isPlainObject(matchKeys) || !Object.values(matchKeys).every((hash) => typeof hash === 'string' && HASH.test(hash))) throw new BadBatch(`${path}.matchKeys must hold SHA-256 hex hashes only`)
    const unknown = Object.keys(matchKeys).find((key) => !(MATCH_KEY_NAMES as readonly string[]).includes(key))
    if (unknown !== undefined) throw new BadBatch(`${path}.matchKeys may hold only ${MATCH_KEY_NAMES.join(', ')}`)
    out.matchKeys = matchKeys as Record<string, string>
  }
  return out
}

// Whatever shape the page's policy let it out in: a label, an address, a time ("2026-11-23 15:30").
const passes = (value: JsonValue) => isClean(value, 'label') || isClean(value, 'url') || isClean(value, 'time')

/** A param's name, as GA4 and Meta take them: it must read as a name, not as data (no "@", no 6 digits). */
const PARAM_NAME = /^(?![^]*\d{6})[A-Za-z_][A-Za-z0-9_]{0,39}$/

/** Params with every name that is not one and every leaf that would not pass as a label, a URL or a time left out. */
function clean(value: JsonValue): JsonValue | undefined {
  if (Array.isArray(value)) return value.map(clean).filter((item) => item !== undefined) as JsonValue[]
  if (isPlainObject(value)) {
    const out: JsonObject = {}
    for (const key of Object.keys(value)) {
      if (!PARAM_NAME.test(key)) continue
      const child = clean(value[key] as JsonValue)
      if (child !== undefined) out[key] = child
    }
    return out
  }
  return passes(value) ? value : undefined
}
