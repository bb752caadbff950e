import type { Adapter, Call, VendorCall } from './adapter'
import type { Problem } from './config/problems'
import type { Logger } from './lib/logger'

/**
 * What the bridge did, as data: per Popin event and destination, each vendor call made or the
 * reason none was (and what waits, and what the privacy policy kept out). Debug mode prints the
 * same records as console lines; the debugger (`?popin_bridge_debug`, the playground) draws them
 * as a timeline.
 */
export type TraceRecord =
  /** A bridge started: the destinations it uses, and every config problem (a destination with one is off). */
  | { type: 'start'; destinations: TracedDestination[]; problems: readonly Problem[] }
  /** A vendor call was made: for an event (`call` is what the destination was given), or to set up or signal consent. */
  | (About & { type: 'sent'; vendorCall: VendorCall; call?: Call })
  /** The privacy policy kept these payload fields out of what this destination gets. */
  | (About & { type: 'dropped'; fields: string[] })
  /** Nothing was sent, and why (the config rule, consent, the vendor, the privacy policy). */
  | (About & { type: 'skipped' })
  /** The event waits for the vendor or for consent; a later record about it says what became of it. */
  | (About & { type: 'waiting' })
  /** A destination's vendor is ready: found on the page, or loaded by the bridge. Until then it is looked for (or loading). */
  | { type: 'ready'; destination: string; loaded: boolean }

/** A destination as the trace names it (its adapter: read these only). `vendorGlobal` is `fbq`, `gtag`, … */
export type TracedDestination = Pick<Adapter, 'name' | 'label' | 'vendorGlobal'>

/**
 * Which event (by its occurrence's id, the same in every record about it; none for set-up and
 * consent signals), which destination, and what happened, in words.
 */
interface About {
  destination: string
  id?: string
  /** The Popin event's name, or `set-up` / `consent` for the vendor's own calls. */
  event: string
  /** What debug mode prints after the arrow: `not sent (why)`, `queued, waiting for what`, `gtag("event", …)`. */
  text: string
}

export type Tracer = (record: TraceRecord) => void

/** The page global the debugger reads (like GTM's dataLayer, an array others may wrap `push` of). */
export const TRACE_BUFFER = 'popinBridgeTrace'
/** Records kept in the page: enough for a long session, bounded like every queue here. */
export const TRACE_LIMIT = 1000

/**
 * Debug mode's tracer: prints each record as a console line and keeps it in
 * `window.popinBridgeTrace`. Undefined otherwise: then no record is even made.
 */
export function createTracer(log: Logger, win: Record<string, any>): Tracer | undefined {
  return log.debugEnabled
    ? (record) => {
        if ('text' in record) log.debug(`${record.event} → ${record.destination}: ${record.text}`)
        try {
          // The page may hold anything under that name: then the trace starts a list of its own.
          const buffer = Array.isArray(win[TRACE_BUFFER]) ? win[TRACE_BUFFER] : (win[TRACE_BUFFER] = [])
          if (buffer.push(record) > TRACE_LIMIT) buffer.shift()
        } catch {
          // A frozen or hostile global: the console lines remain.
        }
      }
    : undefined
}

/** `fbq("trackSingle", "123", "Lead", {...})`, as debug mode prints it. */
export function describe({ fn, args }: VendorCall): string {
  return `${fn}(${args.map((arg) => safeStringify(arg)).join(', ')})`
}

function safeStringify(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value)
  } catch {
    return String(value)
  }
}
