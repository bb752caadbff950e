import { version } from '../../package.json'
import type { ServerSender } from '../../src/adapter'
import { segment } from './index'
import { webhookPreset } from './webhooks'

/**
 * Segment's HTTP Tracking API, with a messageId derived from the occurrence's id, so the relay's
 * own retries are deduplicated by Segment (about 24 hours). Popin's user_id identifies a Popin
 * visitor, not the shop's customer: it is sent as anonymousId, never as userId. The call arrives
 * policy-clean: `personalData` has already decided what its traits and properties hold.
 * https://segment.com/docs/connections/sources/catalog/libraries/server/http-api/
 */
export const httpTrackingApi: ServerSender = {
  browser: segment,
  webhookPreset,
  secrets: { writeKey: 'POPIN_BRIDGE_SEGMENT_WRITE_KEY' },
  endpoint: 'https://api.segment.io',

  misconfigured: (_settings, secrets) => (!secrets.writeKey ? 'set POPIN_BRIDGE_SEGMENT_WRITE_KEY' : undefined),

  request(call, { relay, eventTime, index, visit, browser }) {
    const context: Record<string, unknown> = { library: { name: 'popin-bridge-relay', version } }
    if (browser?.ip) context.ip = browser.ip
    if (browser?.userAgent) context.userAgent = browser.userAgent
    if (browser && call.url) context.page = { url: call.url }
    const body: Record<string, unknown> = {
      type: call.call,
      // The page's analytics.js visitor when known, so server and page events are one user.
      anonymousId: visit?.anonymousId ?? `popin-${call.visitor ?? call.eventId}`,
      messageId: `${call.eventId}.${index}`,
      timestamp: eventTime.toISOString(),
      context,
    }
    if (call.call === 'identify') body.traits = call.params
    else if (call.call === 'page') Object.assign(body, { name: call.name, properties: call.params })
    else Object.assign(body, { event: call.name, properties: call.params })
    const endpoint = relay.endpoints.segment ?? httpTrackingApi.endpoint
    return { url: `${endpoint}/v1/${call.call}`, headers: { 'content-type': 'application/json' }, body }
  },

  authorize: (request, secrets) => ({
    ...request,
    headers: { ...request.headers, authorization: `Basic ${btoa(`${secrets.writeKey}:`)}` },
  }),

  // POST /v1/batch: each message keeps its type, messageId and timestamp. Segment takes 500 KB per batch.
  batch: {
    max: 100,
    maxBytes: 450_000,
    key: (request) => base(request.url),
    merge: (requests) => ({ ...requests[0]!, url: `${base(requests[0]!.url)}/v1/batch`, body: { batch: requests.map((r) => r.body) } }),
  },
}

/** The API's base URL from a stored request's (…/v1/track → …). */
const base = (url: string) => url.replace(/\/v1\/[a-z]+$/, '')
