import type { Adapter, AdapterEnv, BridgeWindow, Call } from './adapter'
import { followGoogleConsent } from './consent/follow-google'
import { followTcf } from './consent/follow-tcf'
import { consentUpdate, type ConsentState } from './consent/state'
import { urlAsksForDebug } from './debug-flag'
import { createDestination, type Destination } from './destination'
import type { RelayChannelFactory } from './first-party/channel'
import { formatProblems, type Problem } from './config/problem'
import { toPopinEvent } from './events/intake'
import { deferredHash, settleHashes } from './lib/deferred-hash'
import { IN_BROWSER_BUNDLE } from './lib/browser-bundle'
import { listen } from './listen'
import { createLogger } from './lib/logger'
import type { Compiled } from './plan/compile'
import { instantiate } from './plan/instantiate'
import { DEFAULTS } from './config/defaults'
import type { Hash } from './privacy/policy'
import { readPageContext, type PageContext } from './plan/page'
import { identify, runDestination, type IdentifiedOccurrence } from './plan/run'
import { COMPILED, DEBUGS, FOLLOWS_GOOGLE, FOLLOWS_TCF, HASHES, IDS, RELAYS } from './lib/tag-features'
import { createTracer } from './trace'

export interface BridgeOptions {
  /** The destinations this bridge can use; `popin-bridge` passes all of them. */
  adapters: readonly Adapter[]
  /** Defaults to the global `window`. */
  window?: Window
  /** Defaults to the global `console`. */
  console?: Pick<Console, 'log' | 'warn' | 'error'>
  /** Decisions already made (the drop-in keeps them across `init`). */
  consent?: ConsentState
  /** Listen on `window.popinEvent`. Default true; false to feed events with `handle` only. */
  listen?: boolean
  /**
   * Sends to the relay's first-party route when the config has `relayUrl`: `createRelayChannel`
   * (`popin-bridge` passes it; with `popin-bridge/core`, pass it yourself, else relayUrl does nothing).
   */
  relayChannel?: RelayChannelFactory
}

export interface Bridge {
  /** Every problem found in the config, with its JSON path. Empty when the config is valid. */
  readonly problems: readonly Problem[]
  /** Destinations in use (after the config was checked). */
  readonly destinations: readonly string[]
  /** Handles one Popin event, exactly as `window.popinEvent(event, data)` does. Never throws. */
  handle(event: unknown, data?: unknown): void
  /**
   * Records the visitor's consent decisions (`true` grants, `false` denies or revokes) and tells
   * the vendors. Events that waited for a granted category are sent, in order; those of a denied
   * one are dropped. Returns the decisions so far.
   *
   * @example bridge.consent({ analytics: true, ads: false })
   */
  consent(decisions: ConsentState): ConsentState
  /** Stops listening, puts the page's own `popinEvent` handler back, drops waiting events. */
  destroy(): void
}

const ACTIVE_KEY = '__popinBridgeActive'

/**
 * Runs a compiled plan in the page: listens to Popin, maps each event and fans it out. Only one
 * bridge listens per window: a new one replaces the previous one, so starting twice never sends
 * twice. `compiled` gets the page's SHA-256 (WebCrypto placeholders).
 */
export function startBridge(compiled: (hash: Hash) => Compiled, options: BridgeOptions): Bridge {
  const win = (options.window ?? globalThis.window) as BridgeWindow | undefined
  const hasher = HASHES ? deferredHash(win?.crypto?.subtle) : NO_HASH
  // A compiled tag's plan is built in: nothing in it can throw, or be a problem.
  const { plan, problems } = COMPILED ? compiled(hasher.hash) : safely(compiled, hasher.hash)
  // Only a build with debug mode has debug lines to print.
  const log = createLogger(options.console ?? globalThis.console, DEBUGS && (plan.debug || urlAsksForDebug(win)))
  if (outsideAPage(win)) {
    log.warn('no window here: the bridge runs in the browser and does nothing on the server')
    return { problems, destinations: [], handle: () => undefined, consent: () => ({}), destroy: () => undefined }
  }
  if (!COMPILED && problems.length) {
    const off = plan.disabled.length ? ` Disabled until fixed: ${plan.disabled.join(', ')}.` : ''
    log.error(`the config has ${problems.length} problem(s).${off}\n${formatProblems(problems)}`)
  }

  // Debug mode keeps what happens to each event, as data, in window.popinBridgeTrace (src/trace.ts).
  // Each record is also behind DEBUGS: terser does not drop `undefined?.(…)` with its strings.
  const trace = DEBUGS ? createTracer(log, win) : undefined
  if (DEBUGS) trace?.({ type: 'start', destinations: plan.destinations.map((d) => d.adapter), problems })

  const env: AdapterEnv = { window: win, log, consent: { ...plan.consent, state: consentUpdate(options.consent) } }
  const routes = plan.destinations.map((destinationPlan) => ({
    plan: destinationPlan,
    destination: createDestination(destinationPlan, env, { readyTimeoutMs: plan.readyTimeoutMs, queueLimit: plan.queueLimit, trace }),
  }))
  const destinations: Destination[] = routes.map((route) => route.destination)
  const nextOccurrence = IDS ? occurrences(win) : () => ''
  // Only readers of the page read it: a compiled tag whose rules read none leaves it out.
  const page = typeof __TAG_READERS__ === 'undefined' || __TAG_READERS__.page || __TAG_READERS__.pageVariable ? readPageContext(win) : ({} as PageContext)
  const channel = RELAYS && plan.relayUrl ? options.relayChannel?.(win, plan, env) : undefined
  let stopped = false

  /** One destination's calls for an occurrence: to its vendor, to the relay (`relayed`), or both. */
  const sendTo = (route: (typeof routes)[number], occurrence: IdentifiedOccurrence, relayed: Record<string, Call[] | Promise<Call[]>>) => {
    const destination = route.destination.name
    const { event } = occurrence
    const id = occurrence.fields.eventId
    // The readers name here the fields the privacy policy keeps out of this destination.
    const dropped: string[] | undefined = (occurrence.dropped = DEBUGS && trace ? [] : undefined)
    const calls = runDestination(route.plan, occurrence)
    if (DEBUGS && dropped?.length) trace?.({ type: 'dropped', destination, id, event: event.name, text: `the privacy policy kept out ${dropped.join(', ')}`, fields: dropped })
    if ('reason' in calls) {
      if (DEBUGS) trace?.({ type: 'skipped', destination, id, event: event.name, text: `not sent (${calls.reason})` })
      return
    }
    const settled = HASHES && hasher.take() ? settleHashes(calls) : calls
    const via = RELAYS && channel && route.plan.adapter.relay
    if (via) {
      relayed[destination] = settled
      // The relay is this destination's vendor here: the debugger shows what it was handed.
      if (DEBUGS && trace) void Promise.resolve(settled).then((list) => list.forEach((call) => trace({ type: 'sent', destination, id, event: event.name, text: `to the relay, ${plan.relayUrl}/e`, vendorCall: { fn: 'relay', args: [call.name] }, call })), () => undefined)
    }
    if (via !== 'relay') route.destination.deliver(settled)
  }

  const handle = (name: unknown, data?: unknown) => {
    if (stopped) return
    try {
      const event = toPopinEvent(name, data)
      if (!event) return DEBUGS && log.debug('ignored a popinEvent call without an event name', name)
      const occurrence = identify(plan, { event, page, id: nextOccurrence() })
      const relayed: Record<string, Call[] | Promise<Call[]>> = {}
      for (const route of routes) {
        // One destination's failure (a rule a drop-in makes at its first event, say) never stops the others.
        try {
          sendTo(route, occurrence, relayed)
        } catch (error) {
          log.once(`handle ${route.destination.name}`, 'error', `internal error while handling a Popin event for ${route.destination.name}`, error)
        }
      }
      if (RELAYS) channel?.send(event, occurrence.fields, relayed)
    } catch (error) {
      log.once('handle', 'error', 'internal error while handling a Popin event', error)
    }
  }

  const previous = win[ACTIVE_KEY] as Bridge | undefined
  if (previous) {
    if (DEBUGS) log.debug('a bridge was already running on this page: it is replaced, not doubled')
    previous.destroy()
  }
  const unlisten = !IN_BROWSER_BUNDLE && options.listen === false ? () => undefined : listen(win, handle, log)
  const startAll = () => !stopped && destinations.forEach((d) => d.start())
  const unwait = whenBodyExists(win, startAll)

  const consent = (decisions: ConsentState): ConsentState => {
    const update = consentUpdate(decisions)
    if (stopped || Object.keys(update).length === 0) return { ...env.consent.state }
    Object.assign(env.consent.state, update)
    if (DEBUGS) log.debug(`consent: ${JSON.stringify(env.consent.state)}`)
    for (const destination of destinations) destination.consentChanged()
    if (RELAYS) channel?.consentChanged()
    return { ...env.consent.state }
  }
  const follow = FOLLOWS_TCF && plan.consent.follow === 'tcf' ? followTcf : FOLLOWS_GOOGLE && plan.consent.follow === 'google' ? followGoogleConsent : undefined
  const unfollow = follow ? follow(win, consent) : () => undefined

  const bridge: Bridge = {
    problems,
    destinations: plan.destinations.map((d) => d.adapter.name),
    handle,
    consent,
    destroy() {
      if (stopped) return
      stopped = true
      unfollow()
      unwait()
      unlisten()
      destinations.forEach((d) => d.stop())
      if (RELAYS) channel?.stop()
      if (win[ACTIVE_KEY] === bridge) delete win[ACTIVE_KEY]
    },
  }
  Object.defineProperty(win, ACTIVE_KEY, { configurable: true, value: bridge })
  return bridge
}

/** A config object can hold anything a page put there (getters that throw, proxies): never throw. */
function safely(compiled: (hash: Hash) => Compiled, hash: Hash): Compiled {
  try {
    return compiled(hash)
  } catch (error) {
    // Nothing runs: the config may have asked for consent.
    const nothing = { debug: false, ...DEFAULTS, consent: { required: false }, destinations: [], disabled: [] }
    return { plan: instantiate(nothing, [], hash), problems: [{ path: 'config', message: `could not be read (${(error as Error)?.message ?? error})` }] }
  }
}

/** A compiled tag whose config hashes nothing: were it asked, a value would be left out, never sent in clear. */
const NO_HASH = { hash: (_text: string) => undefined as unknown as string, take: () => false }

/** No window: the npm build imported on a server. A drop-in always runs in a page (code left out of it). */
function outsideAPage(win: BridgeWindow | undefined): win is undefined {
  return !IN_BROWSER_BUNDLE && !win
}

/**
 * Vendors are looked for once the body exists: page scripts in `<head>` have run by then, and
 * react-ga4 needs the body for its script tag. A parsed document has one: `readyState` is asked
 * first, since a page's first `document.body` made the body's wrapper, 0.1 ms of its load in Chromium.
 */
function whenBodyExists(win: BridgeWindow, start: () => void): () => void {
  const document = win.document
  if (!document || document.readyState !== 'loading' || document.body) {
    start()
    return () => undefined
  }
  const onReady = () => start()
  document.addEventListener('DOMContentLoaded', onReady, { once: true })
  return () => document.removeEventListener('DOMContentLoaded', onReady)
}

/**
 * Each event occurrence's unique part: a random token for this page view, then a counter, so two
 * occurrences never share an id (Meta drops a second event with the same name and id). Digits
 * only: letters drawn at random could spell a word, or a name. Drawn at the first event, not at
 * start-up: a page's first `crypto.getRandomValues` took 0.1-0.2 ms of its load in Chromium.
 */
function occurrences(win: BridgeWindow): () => string {
  let token: string | undefined
  let count = 0
  return () => `${(token ??= randomToken(win))}.${count++}`
}

function randomToken(win: BridgeWindow): string {
  const random = new Uint32Array(2)
  try {
    win.crypto.getRandomValues(random)
  } catch {
    random[0] = Math.random() * 2 ** 32
    random[1] = Date.now()
  }
  return `${random[0]}${random[1]}`.slice(0, 14)
}
