import { isGranted, type AdapterEnv, type Call, type VendorCall } from './adapter'
import { consentFor } from './consent/state'
import type { DestinationPlan } from './plan/compile'
import { COMPILED, DEBUGS, HASHES, LOADS } from './lib/tag-features'
import { describe, type Tracer } from './trace'

/** How often a missing page vendor is looked for again while events wait. */
export const POLL_MS = 100

export interface DestinationOptions {
  readyTimeoutMs: number
  queueLimit: number
  /** Told what becomes of each call, when someone reads the trace. */
  trace?: Tracer
}

export interface Destination {
  readonly name: string
  /** Looks for the vendor (or loads it) and flushes the queue once it is there. */
  start(): void
  /** Sends now, or queues until the vendor is ready and consent is given. Calls still being
   * hashed (a promise) keep their place: later ones wait behind them. */
  deliver(calls: Call[] | Promise<Call[]>): void
  /** The visitor's decisions changed: signal the vendor, then send or drop what waits. */
  consentChanged(): void
  stop(): void
}

/** A destination's states, as numbers: they never leave this file, and numbers minify to a digit. */
const IDLE = 0
const WAITING = 1
const READY = 2
const GAVE_UP = 3
const FAILED = 4
type State = typeof IDLE | typeof WAITING | typeof READY | typeof GAVE_UP | typeof FAILED

/**
 * One destination at run time: finds or loads its vendor, queues events (bounded, in order)
 * until then, and contains every error so that the other destinations carry on.
 */
export function createDestination({ adapter, settings, explicit, category }: DestinationPlan, env: AdapterEnv, options: DestinationOptions): Destination {
  const { log } = env
  // A tag built without debug mode leaves the trace's code out.
  const trace = DEBUGS ? options.trace : undefined
  const label = adapter.name
  let state: State = IDLE
  let client: unknown
  let queue: Call[] = []
  /** Calls in arrival order whose hashes are still being computed. */
  const hashing: { calls?: Call[] }[] = []
  let timer: ReturnType<typeof setTimeout> | undefined
  let deadline = 0
  /** A vendor with no consent signal of its own (Segment) is not even loaded before a grant. */
  let loadOnGrant = false

  /** Which destination and which occurrence a record is about. */
  const about = (call: Call) => ({ destination: label, id: call.eventId, event: call.event.name })
  const skip = (call: Call, reason: string) => DEBUGS && trace?.({ type: 'skipped', ...about(call), text: `not sent (${reason})` })

  const fail = (what: string, error: unknown) => {
    const first = log.once(`${label}:error`, 'error', `${label}: ${what}; other destinations are unaffected`, error)
    if (DEBUGS && !first) log.debug(`${label}: ${what}`, error)
  }

  const noConsent = `no consent for ${category}`
  const full = `more than ${options.queueLimit} events waiting; newer ones are dropped`
  const allowed = () => consentFor(category, env.consent.state, env.consent.required)
  // Consent signals go out once the config requires consent or the page has decided something.
  const signalling = () => env.consent.required || Object.keys(env.consent.state).length > 0

  const find = (): boolean => {
    try {
      const found = adapter.findOnPage(settings, env)
      if (found) becomeReady(found)
      return found !== null && found !== undefined
    } catch (error) {
      fail(`could not use the page's ${adapter.vendorGlobal}`, error)
      return false
    }
  }

  /** The consent signal goes first, then the vendor's set-up (`init`, `config`), then events. */
  const becomeReady = (found: unknown, loadedHere = false) => {
    client = found
    state = READY
    if (DEBUGS) trace?.({ type: 'ready', destination: label, loaded: loadedHere })
    clearTimeout(timer)
    if (signalling() && !(loadedHere && adapter.loadSignalsConsent)) signalConsent('default')
    try {
      for (const vendorCall of adapter.setupCalls?.(settings, client, env) ?? []) invoke(vendorCall)
    } catch (error) {
      fail(`could not set up ${adapter.vendorGlobal}`, error)
    }
    flush()
  }

  const flush = () => {
    if (state !== READY || allowed() !== true) return
    const waiting = queue
    queue = []
    for (const call of waiting) send(call)
  }

  const signalConsent = (kind: 'default' | 'update') => {
    for (const vendorCall of adapter.consentCalls?.(env.consent, kind, settings, allowed() === true) ?? []) invoke(vendorCall, 'consent')
  }

  /** A vendor call for an event (`call`), or the vendor's own set-up or consent signal. */
  const invoke = (vendorCall: VendorCall, what: Call | string = 'set-up') => {
    if (DEBUGS && trace) {
      const text = describe(vendorCall)
      trace(typeof what === 'string' ? { type: 'sent', destination: label, event: what, text, vendorCall } : { type: 'sent', ...about(what), text, vendorCall, call: what })
    }
    try {
      const result = adapter.invoke(client, vendorCall)
      if (isThenable(result)) result.then(undefined, (error) => fail(`${vendorCall.fn} rejected`, error))
    } catch (error) {
      fail(`${vendorCall.fn} threw`, error)
    }
  }

  const poll = () => {
    if (state !== WAITING || find()) return
    if (Date.now() >= deadline) return giveUp()
    timer = setTimeout(poll, POLL_MS)
  }

  const giveUp = () => {
    state = GAVE_UP
    const absent = `no ${adapter.vendorGlobal} on the page after ${options.readyTimeoutMs} ms`
    if (DEBUGS) queue.forEach((call) => skip(call, absent))
    notice('absent', `${label}: ${absent}; ${queue.length} waiting event(s) dropped. ${hint()}`)
    queue = []
  }

  const hint = () =>
    adapter.idSetting && !COMPILED
      ? `Add ${adapter.label} to the page, or set destinations.${adapter.name}.${adapter.idSetting} and use the full bundle to let the bridge load it.`
      : `Add ${adapter.label} to the page.`

  /** Lost events are worth a warning only for a destination the config asked for. */
  const notice = (key: string, message: string) => {
    if ((!explicit || !log.once(`${label}:${key}`, 'warn', message)) && DEBUGS) log.debug(message)
  }

  const send = (original: Call) => {
    const call = signalling() ? { ...original, consent: { analytics: isGranted(env.consent, 'analytics'), ads: isGranted(env.consent, 'ads') } } : original
    // What an adapter notes (a name it fixed) is for debug lines only.
    const notes: string[] = []
    let vendorCalls: VendorCall[] = []
    let prepared: Call | null = null
    try {
      prepared = adapter.prepare ? adapter.prepare(call, settings, DEBUGS ? (note) => notes.push(note) : ignore) : call
      if (prepared) vendorCalls = adapter.vendorCalls(prepared, settings)
    } catch (error) {
      return fail(`could not prepare ${call.event.name}`, error)
    }
    if (DEBUGS) for (const note of notes) log.debug(`${call.event.name} → ${label}: ${note}`)
    for (const vendorCall of vendorCalls) invoke(vendorCall, prepared ?? call)
  }

  const accept = (call: Call) => {
    const permitted = allowed()
    if (permitted === false) return skip(call, noConsent)
    if (state === GAVE_UP) find()
    if (state === READY && permitted) return send(call)
    if (state === GAVE_UP || state === FAILED) return skip(call, `${adapter.vendorGlobal} is not available`)
    if (queue.length >= options.queueLimit) {
      skip(call, full)
      return notice('full', `${label}: ${full}`)
    }
    if (DEBUGS) trace?.({ type: 'waiting', ...about(call), text: `queued, waiting for ${permitted ? adapter.vendorGlobal : `consent (${category})`}` })
    queue.push(call)
  }

  const drainHashed = () => {
    while (hashing[0]?.calls) (hashing.shift()?.calls ?? []).forEach(accept)
  }

  return {
    name: label,

    start() {
      if (state !== IDLE) return
      state = WAITING
      deadline = Date.now() + options.readyTimeoutMs
      if (find()) return
      if (!canLoad()) {
        timer = setTimeout(poll, POLL_MS)
        return
      }
      if (adapter.consentCalls || allowed() === true) return load()
      loadOnGrant = true
    },

    deliver(calls) {
      // Calls are promises only while hashes are computed.
      if (!HASHES || (Array.isArray(calls) && hashing.length === 0)) return (calls as Call[]).forEach(accept)
      const slot: { calls?: Call[] } = Array.isArray(calls) ? { calls } : {}
      if (hashing.length >= options.queueLimit) return notice('full', `${label}: ${full}`)
      hashing.push(slot)
      if (!Array.isArray(calls)) {
        calls.then(
          (settled) => (slot.calls = settled),
          () => (slot.calls = []),
        ).then(() => state !== FAILED && drainHashed())
      }
    },

    consentChanged() {
      if (allowed() === false) {
        if (DEBUGS) queue.forEach((call) => skip(call, noConsent))
        queue = []
      }
      if (LOADS && loadOnGrant && allowed() === true) {
        loadOnGrant = false
        // The page may have added its own while the visitor decided (a consent tool often does).
        if (!find()) load()
      }
      if (state !== READY) return
      signalConsent('update')
      flush()
    },

    stop() {
      clearTimeout(timer)
      queue = []
      if (HASHES) hashing.length = 0
      state = FAILED
    },
  }

  /** The bridge loads a vendor itself only in full builds, when allowed and given an id. */
  function canLoad(): boolean {
    const id = adapter.idSetting ? settings[adapter.idSetting] : undefined
    return LOADS && typeof adapter.load === 'function' && settings.load !== 'page' && typeof id === 'string'
  }

  function load() {
    try {
      const loaded = (adapter.load as NonNullable<typeof adapter.load>)(settings, env)
      if (!isThenable(loaded)) return becomeReady(loaded, true)
      timer = setTimeout(() => state === WAITING && giveUp(), options.readyTimeoutMs)
      loaded.then(
        (ready) => state === WAITING && becomeReady(ready, true),
        (error) => {
          if (state !== WAITING) return
          state = FAILED
          clearTimeout(timer)
          const failed = `${adapter.label} failed to load (blocked or offline?)`
          if (DEBUGS) queue.forEach((call) => skip(call, failed))
          queue = []
          fail(failed, error)
        },
      )
    } catch (error) {
      state = FAILED
      fail(`${adapter.label} failed to load`, error)
    }
  }
}

const ignore = () => undefined

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return value !== null && typeof value === 'object' && typeof (value as PromiseLike<unknown>).then === 'function'
}
