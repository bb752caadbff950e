import type { ServerSender } from '../../src/adapter'
import { facebookPixel } from './index'
import { webhookPreset } from './webhooks'

const GRAPH_VERSION = 'v21.0'
/** Graph API error codes that mean "later": unknown, service, throttling, app limit, temporary block. */
const TRANSIENT_CODES = [1, 2, 4, 17, 341, 368, 613]

/**
 * Meta Conversions API: each event is stored as its own request; the relay merges up to 100 for
 * one pixel into `data` (Meta takes 1000), and splits a refused batch to find the bad event. The call
 * arrives policy-clean: custom_data holds no personal data, user_data only hashed match keys, and
 * for a visit the page's fbp and fbc (an event from the page also its IP and user agent).
 * https://developers.facebook.com/docs/marketing-api/conversions-api/parameters/server-event
 */
export const conversionsApi: ServerSender = {
  browser: facebookPixel,
  webhookPreset,
  secrets: { accessToken: 'POPIN_BRIDGE_META_ACCESS_TOKEN' },
  endpoint: `https://graph.facebook.com/${GRAPH_VERSION}`,
  maxAgeMs: 7 * 24 * 3600 * 1000,

  misconfigured: (settings, secrets) => (!settings.pixelId ? 'set destinations.facebookPixel.pixelId' : !secrets.accessToken ? 'set POPIN_BRIDGE_META_ACCESS_TOKEN' : undefined),

  request(original, { settings, relay, eventTime, visit, browser }) {
    const call = facebookPixel.prepare!(original, settings, () => undefined) ?? original
    // fbp, fbc, the IP and the user agent go as they are: Meta asks for them unhashed.
    const userData: Record<string, string> = { ...call.matchKeys }
    if (visit?.fbp) userData.fbp = visit.fbp
    if (visit?.fbc) userData.fbc = visit.fbc
    if (browser?.ip) userData.client_ip_address = browser.ip
    if (browser?.userAgent) userData.client_user_agent = browser.userAgent
    const event: Record<string, unknown> = {
      event_name: call.name,
      event_time: Math.floor(eventTime.getTime() / 1000),
      // The Pixel's eventID for an event the page sent too: Meta keeps one of the pair.
      event_id: call.eventId,
      action_source: browser ? 'website' : relay.actionSource,
      user_data: userData,
      custom_data: call.params,
    }
    if (call.url) event.event_source_url = call.url
    const body: Record<string, unknown> = { data: [event] }
    if (relay.testEventCode) body.test_event_code = relay.testEventCode
    const endpoint = relay.endpoints.facebookPixel ?? conversionsApi.endpoint
    return { url: `${endpoint}/${settings.pixelId}/events`, headers: { 'content-type': 'application/json' }, body }
  },

  authorize: (request, secrets) => ({ ...request, url: `${request.url}?access_token=${encodeURIComponent(secrets.accessToken as string)}` }),

  batch: {
    max: 100,
    key: (request) => `${request.url} ${JSON.stringify((request.body as MetaBody).test_event_code ?? null)}`,
    merge: (requests) => ({ ...requests[0]!, body: { ...(requests[0]!.body as MetaBody), data: requests.flatMap((r) => (r.body as MetaBody).data) } }),
  },

  retryable(_status, body) {
    try {
      return TRANSIENT_CODES.includes(JSON.parse(body)?.error?.code)
    } catch {
      return false
    }
  },
}

interface MetaBody {
  data: unknown[]
  test_event_code?: string
}
