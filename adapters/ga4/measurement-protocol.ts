import type { ServerSender } from '../../src/adapter'
import { ga4 } from './index'
import { webhookPreset } from './webhooks'

/** The smallest engagement GA4 counts; the page's own gtag measures the real one. */
const ENGAGEMENT_TIME_MSEC = 1

/**
 * GA4 Measurement Protocol. The client_id is the page's (`_ga`), for an event from the page and
 * for a webhook stitched to a visit; else derived from Popin's visitor id (else the occurrence):
 * the same visitor is the same GA4 user across webhooks, but not joined to the browser session.
 * https://developers.google.com/analytics/devguides/collection/protocol/ga4/sending-events
 */
export const measurementProtocol: ServerSender = {
  browser: ga4,
  webhookPreset,
  secrets: { apiSecret: 'POPIN_BRIDGE_GA4_API_SECRET' },
  endpoint: 'https://www.google-analytics.com',
  // "Events can be backdated up to 3 calendar days": 72 hours, to be safe across time zones.
  maxAgeMs: 72 * 3600 * 1000,

  // A request holds one client's events: most carry one, so many are in flight, unlike vendors
  // that merge a hundred events into one request: 512 at 100 ms a request, 5,120 events a second.
  concurrency: 512,

  misconfigured: (settings, secrets) =>
    !settings.measurementId ? 'set destinations.ga4.measurementId' : !secrets.apiSecret ? 'set POPIN_BRIDGE_GA4_API_SECRET' : undefined,

  request(original, { settings, relay, eventTime, hash, visit, browser }) {
    const call = ga4.prepare!(original, settings, () => undefined) ?? original
    const endpoint = relay.endpoints.ga4 ?? measurementProtocol.endpoint
    // An event from the page joins its web session: its session_id, and an engagement time, without
    // which GA4 does not count the session as active. A webhook only joins the visitor (client_id).
    const params = browser ? { ...call.params, ...(visit?.session_id ? { session_id: visit.session_id } : {}), engagement_time_msec: ENGAGEMENT_TIME_MSEC } : call.params
    return {
      url: `${endpoint}/mp/collect?measurement_id=${encodeURIComponent(settings.measurementId)}`,
      headers: { 'content-type': 'application/json' },
      body: {
        client_id: visit?.client_id ?? clientId(call.visitor ?? call.eventId, hash),
        timestamp_micros: eventTime.getTime() * 1000,
        events: [{ name: call.name, params }],
      },
    }
  },

  // https://developers.google.com/analytics/devguides/collection/protocol/ga4/validating-events
  validation: (request) => ({ ...request, url: request.url.replace('/mp/collect?', '/debug/mp/collect?') }),

  authorize: (request, secrets) => ({ ...request, url: `${request.url}&api_secret=${encodeURIComponent(secrets.apiSecret as string)}` }),

  // Up to 25 events per request, all for one client_id; each event keeps its own time
  // (per-event timestamp_micros), since the webhooks behind them happened at different moments.
  batch: {
    max: 25,
    key: (request) => `${request.url} ${(request.body as MpBody).client_id}`,
    merge(requests) {
      const { timestamp_micros: _time, events: _events, ...common } = requests[0]!.body as MpBody
      const events = requests.flatMap((r) => {
        const body = r.body as MpBody
        return body.events.map((event) => ({ ...event, timestamp_micros: event.timestamp_micros ?? body.timestamp_micros }))
      })
      return { ...requests[0]!, body: { ...common, events } }
    },
  },
}

interface MpBody {
  client_id: string
  timestamp_micros?: number
  events: { name: string; params?: unknown; timestamp_micros?: number }[]
}

/** Shaped like gtag's own ids ("1234567890.1234567890"), from a hash: stable, not reversible. */
export function clientId(seed: string, hash: (text: string) => string): string {
  const digest = hash(`popin-bridge:${seed.trim().toLowerCase()}`)
  return `${parseInt(digest.slice(0, 8), 16)}.${parseInt(digest.slice(8, 16), 16)}`
}
