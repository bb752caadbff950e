import type { AdapterEnv, BridgeWindow, Call, VisitKeys } from '../adapter'
import { consentFor } from '../consent/state'
import { CONTACT_EVENTS } from '../events/catalog'
import type { PopinEvent } from '../events/intake'
import { deferredHash, settleHashes } from '../lib/deferred-hash'
import type { JsonObject } from '../lib/json'
import { withoutQuery } from '../lib/without-query'
import type { Plan } from '../plan/compile'
import { contactOf } from '../privacy/contact'
import { matchKeys } from '../privacy/match-keys'
import { visitKeyReader } from './visit-keys'

/** One call as the relay's `POST /e` takes it: what the plan and the policy let out, nothing more. */
export interface WireCall {
  call: string
  name: string
  params: JsonObject
  matchKeys?: Record<string, string>
}

/** One event occurrence in a batch: its id (the Pixel's eventID), and each destination's calls. */
export interface WireEvent {
  id: string
  event: string
  /** When it happened, epoch ms. */
  at: number
  uid?: string
  /** A captured lead's hashed email and phone, so the relay can find the visit from a webhook. */
  lead?: { em?: string; ph?: string }
  calls: Record<string, WireCall[]>
}

/** What the page posts: the page (without its query), each destination's match keys, the events. */
export interface WireBatch {
  url?: string
  /**
   * When the page posted it, by the page's clock: with each event's `at`, how long before the post
   * it happened, which the relay takes from its own clock (a page's clock may be hours off).
   */
  sent: number
  keys: Record<string, VisitKeys>
  events: WireEvent[]
}

export interface RelayChannel {
  /** One occurrence's calls for the destinations the relay sends; hashes may still be settling. */
  send(event: PopinEvent, fields: Pick<Call, 'eventId' | 'visitor'>, calls: Record<string, Call[] | Promise<Call[]>>, at?: number): void
  /** The visitor decided: what waited for a granted category goes, a denied one's is dropped. */
  consentChanged(): void
  /** Sends what is queued and stops. */
  stop(): void
}

/** Makes the channel of a bridge whose plan has a `relayUrl`. */
export type RelayChannelFactory = (win: BridgeWindow, plan: Plan, env: AdapterEnv) => RelayChannel

/** Browsers cap a beacon (and a keepalive fetch) at 64 KB; the relay takes up to that. In bytes. */
const MAX_BODY = 60_000

interface Pending {
  event: Omit<WireEvent, 'calls' | 'lead'>
  lead?: Promise<WireEvent['lead']>
  calls: Record<string, Call[] | Promise<Call[]>>
}

/**
 * Sends event occurrences to the relay's first-party route, batched per tick and flushed on
 * `pagehide`, by `sendBeacon` (else a keepalive `fetch`). Each destination's calls go only once
 * its consent category is granted, with its match keys; a denied one's never. A relay that is
 * down costs the page nothing: nothing is retried, nothing thrown.
 */
export const createRelayChannel: RelayChannelFactory = (win, { relayUrl, destinations, queueLimit }, { consent, log }) => {
  const endpoint = `${relayUrl}/e`
  const keysOf = visitKeyReader(win)
  const hasher = deferredHash(win.crypto?.subtle)
  const plans = new Map(destinations.map((plan) => [plan.adapter.name, plan]))
  let held: Pending[] = []
  const ready: Promise<WireEvent | undefined>[] = []
  let timer: ReturnType<typeof setTimeout> | undefined

  /** Sends the granted destinations' calls, keeps the undecided ones', drops the denied ones'. */
  const route = ({ event, lead, calls }: Pending) => {
    const now: Pending['calls'] = {}
    const later: Pending['calls'] = {}
    for (const name of Object.keys(calls)) {
      const plan = plans.get(name)!
      const allowed = consentFor(plan.category, consent.state, consent.required)
      if (allowed) now[name] = calls[name]!
      else if (allowed === undefined) later[name] = calls[name]!
    }
    if (Object.keys(later).length && held.length < queueLimit) held.push({ event, lead, calls: later })
    if (!Object.keys(now).length) return
    ready.push(wire(event, lead, now))
    timer ??= setTimeout(flush)
  }

  const wire = async (event: Pending['event'], lead: Pending['lead'], calls: Pending['calls']): Promise<WireEvent | undefined> => {
    try {
      const out: WireEvent = { ...event, calls: {} }
      for (const name of Object.keys(calls)) out.calls[name] = (await calls[name]!).map((c) => ({ call: c.call, name: c.name, params: c.params, matchKeys: c.matchKeys }))
      const hashes = await lead
      if (hashes && (hashes.em || hashes.ph)) out.lead = hashes
      return out
    } catch {
      return undefined
    }
  }

  const flush = async () => {
    clearTimeout(timer)
    timer = undefined
    const events = (await Promise.all(ready.splice(0))).filter((e) => e !== undefined) as WireEvent[]
    if (events.length) post(events)
  }

  const post = (events: WireEvent[]): void => {
    try {
      const keys: WireBatch['keys'] = {}
      for (const event of events) for (const name of Object.keys(event.calls)) keys[name] ??= keysOf(name, plans.get(name)!.settings)
      const body = JSON.stringify({ url: withoutQuery(win.location.href), sent: Date.now(), keys, events } satisfies WireBatch)
      // Bytes, not characters: a name in Devanagari takes three bytes a letter.
      if (new TextEncoder().encode(body).length > MAX_BODY && events.length > 1) {
        const half = events.length >> 1
        post(events.slice(0, half))
        return post(events.slice(half))
      }
      if (!win.navigator.sendBeacon?.(endpoint, body)) win.fetch(endpoint, { method: 'POST', body, keepalive: true }).catch(() => undefined)
    } catch (error) {
      log.once('relay', 'warn', `could not send to the relay at ${endpoint}`, error)
    }
  }

  const onPageHide = () => void flush()
  win.addEventListener('pagehide', onPageHide)

  return {
    send(event, { eventId, visitor }, calls, at = Date.now()) {
      if (!Object.keys(calls).length) return
      const lead = CONTACT_EVENTS.has(event.name) ? settleHashes(matchKeys(contactOf(event.data), hasher.hash)).then(({ em, ph }) => ({ em, ph })) : undefined
      route({ event: { id: eventId, event: event.name, at, uid: visitor }, lead, calls })
    },
    consentChanged() {
      held.splice(0).forEach(route)
    },
    stop() {
      win.removeEventListener('pagehide', onPageHide)
      held = []
      void flush()
    },
  }
}
