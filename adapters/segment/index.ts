import { defineAdapter, forReadingConfigs } from '../../src/adapter'

export interface SegmentSettings {
  /** The source's write key: lets the full bundle load analytics-next when the page has no Segment. */
  writeKey?: string
  /** Where events are posted, e.g. `https://api.segment.io/v1` or a first-party proxy. */
  apiHost?: string
  /** Where the source settings are fetched from (default Segment's CDN). */
  cdnUrl?: string
  /** Source settings given inline, so nothing is fetched (analytics-next `cdnSettings`). */
  cdnSettings?: Record<string, unknown>
}

/** `window.analytics` (snippet stub or loaded library) or an `AnalyticsBrowser`. */
export interface SegmentClient {
  track(...args: unknown[]): unknown
  identify(...args: unknown[]): unknown
  page(...args: unknown[]): unknown
}

const METHODS = ['track', 'identify', 'page'] as const

export const segment = defineAdapter<SegmentSettings, SegmentClient, 'segment'>({
  name: 'segment',
  label: 'Segment',
  vendorGlobal: 'analytics',

  calls: METHODS,
  ...forReadingConfigs({ idSetting: 'writeKey', personalData: 'setting', consentCategory: 'analytics' }),
  // Segment would count a copy from each channel (their messageIds differ): with relayUrl, only the relay sends.
  relay: 'relay',

  findOnPage(_settings, { window }) {
    const analytics = window.analytics
    return analytics && METHODS.every((method) => typeof analytics[method] === 'function') ? analytics : null
  },

  vendorCalls(call) {
    const fn = `analytics.${call.call}`
    // Segment's consent fields: https://segment.com/docs/privacy/consent-management/consent-in-segment-connections/
    const options = call.consent ? [{ context: { consent: { categoryPreferences: call.consent } } }] : []
    // Traits only: Popin has no customer id, and its uid is a session, not a user.
    if (call.call === 'identify') return [{ fn, args: [call.params, ...options] }]
    return [{ fn, args: [call.name, call.params, ...options] }]
  },

  invoke: (client, { fn, args }) => client[fn.slice('analytics.'.length) as (typeof METHODS)[number]](...args),
})
