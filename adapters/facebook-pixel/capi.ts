import { sha256Hex } from '../../src/lib/sha256'
import type { ServerAdapter } from '../../src/relay/server-adapter'
import { userDataFromLead } from './advanced-matching'
import { facebookPixel } from './index'
import { webhookPreset } from './webhooks'

const GRAPH_VERSION = 'v21.0'
/** Graph API error codes that mean "later": unknown, service, throttling, app limit, temporary block. */
const TRANSIENT_CODES = [1, 2, 4, 17, 341, 368, 613]

/**
 * Meta Conversions API: one event per request, so one bad event cannot sink a batch.
 * user_data is normalised and SHA-256 hashed as Meta specifies; custom_data never holds
 * personal data (the Pixel's own rules apply).
 * https://developers.facebook.com/docs/marketing-api/conversions-api/parameters/server-event
 */
export const conversionsApi: ServerAdapter = {
  browser: facebookPixel,
  webhookPreset,
  secrets: { accessToken: 'POPIN_BRIDGE_META_ACCESS_TOKEN' },
  endpoint: `https://graph.facebook.com/${GRAPH_VERSION}`,
  maxAgeMs: 7 * 24 * 3600 * 1000,

  misconfigured: (settings, secrets) =>
    !(settings as { pixelId?: string }).pixelId ? 'set destinations.facebookPixel.pixelId' : !secrets.accessToken ? 'set POPIN_BRIDGE_META_ACCESS_TOKEN' : undefined,

  request(mapped, { settings, relay, eventTime }) {
    const call = facebookPixel.prepare!(mapped, settings as never, () => undefined) ?? mapped
    const data = call.event.data
    const userData: Record<string, unknown> = userDataFromLead({
      email: data.email ?? data.customer_email ?? null,
      mobile: data.full_phone_number ?? data.customer_phone_number ?? joinPhone(data.country_code, data.phone_number) ?? null,
      name: data.customer_name ?? null,
    })
    if (typeof data.user_id === 'string' && data.user_id) userData.external_id = sha256Hex(data.user_id.trim().toLowerCase())
    const event: Record<string, unknown> = {
      event_name: call.name,
      event_time: Math.floor(eventTime.getTime() / 1000),
      event_id: call.eventId,
      action_source: relay.actionSource,
      user_data: userData,
      custom_data: call.params,
    }
    if (typeof data.url === 'string' && /^https?:\/\//.test(data.url)) event.event_source_url = data.url
    const body: Record<string, unknown> = { data: [event] }
    if (relay.testEventCode) body.test_event_code = relay.testEventCode
    const endpoint = relay.endpoints.facebookPixel ?? conversionsApi.endpoint
    return { url: `${endpoint}/${(settings as { pixelId: string }).pixelId}/events`, headers: { 'content-type': 'application/json' }, body }
  },

  authorize: (request, secrets) => ({ ...request, url: `${request.url}?access_token=${encodeURIComponent(secrets.accessToken as string)}` }),

  retryable(_status, body) {
    try {
      return TRANSIENT_CODES.includes(JSON.parse(body)?.error?.code)
    } catch {
      return false
    }
  },
}

function joinPhone(code: unknown, number: unknown): string | undefined {
  return typeof number === 'string' && number ? `${typeof code === 'string' ? code : ''}${number}` : undefined
}
