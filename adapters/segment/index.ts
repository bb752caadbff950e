import { defineAdapter } from '../../src/adapter'
import { applyPersonalPolicy, PERSONAL_POLICIES, type PersonalPolicy } from '../../src/events/personal'
import { preset } from './preset'

export interface SegmentSettings {
  /** The source's write key: lets the full bundle load analytics-next when the page has no Segment. */
  writeKey?: string
  /** Where events are posted, e.g. `https://api.segment.io/v1` or a first-party proxy. */
  apiHost?: string
  /** Where the source settings are fetched from (default Segment's CDN). */
  cdnUrl?: string
  /** Source settings given inline, so nothing is fetched (analytics-next `cdnSettings`). */
  cdnSettings?: Record<string, unknown>
  /** What happens to personal data (identify traits, mapped fields): `send` (default), `hash` or `omit`. */
  personalData?: PersonalPolicy
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
  settings: {
    writeKey: { type: 'string', description: 'Segment source write key', pattern: /^[A-Za-z0-9_-]{8,64}$/, hint: 'must be a Segment write key' },
    apiHost: { type: 'string', description: 'Segment API base URL', pattern: /^https?:\/\/[^/]+/, hint: 'must be an http(s) URL such as "https://api.segment.io/v1"' },
    cdnUrl: { type: 'string', description: 'Segment CDN base URL', pattern: /^https?:\/\//, hint: 'must be an http(s) URL' },
    cdnSettings: { type: 'object', description: 'Source settings, so none are fetched' },
    personalData: { type: 'string', description: 'Personal data: send, hash (SHA-256) or omit', pattern: PERSONAL_POLICIES, hint: 'must be "send", "hash" or "omit"' },
  },
  idSetting: 'writeKey',
  calls: METHODS,
  personalData: 'allowed',
  consentCategory: 'analytics',
  preset,

  findOnPage(_settings, { window }) {
    const analytics = window.analytics
    return analytics && METHODS.every((method) => typeof analytics[method] === 'function') ? analytics : null
  },

  prepare: (call, settings, note) => applyPersonalPolicy(call, settings.personalData ?? 'send', note),

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
