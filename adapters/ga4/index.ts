import { cutText } from '../../src/lib/cut-text'
import { defineAdapter, forReadingConfigs } from '../../src/adapter'
import type { JsonObject } from '../../src/lib/json'
import { memo } from '../../src/lib/memo'
import { DEBUGS } from '../../src/lib/tag-features'
import { ga4ConsentCalls } from './consent'
import { fixName, GA4_LIMITS, isValidEventName, isValidParamName } from './limits'

// The same few names go by on every event: fix each once. A compiled tag whose rules name
// everything validly has nothing to fix (`rulesNeedNameFixes`).
const fixesNames = typeof __TAG_GA4_NAMES__ === 'undefined' || __TAG_GA4_NAMES__
const eventNameFor = fixesNames ? memo((name) => (isValidEventName(name) ? name : fixName(name, 'event'))) : (name: string) => name
const paramNameFor = fixesNames ? memo((key) => (isValidParamName(key) ? key : fixName(key, 'param'))) : (key: string) => key

export interface Ga4Settings {
  /** `G-XXXXXXX`: events go to this property only (`send_to`), and the bridge can load gtag.js for it. */
  measurementId?: string
  /** Where the full bundle loads gtag.js from (a first-party proxy, say). */
  gtagUrl?: string
  /** CSP nonce for the gtag.js script the full bundle adds. */
  nonce?: string
}

/** What we need from gtag or react-ga4: events in the string form of `event`, other commands as they are. */
export interface Ga4Client {
  event(name: string, params: JsonObject): void
  gtag(...args: unknown[]): void
}

export const ga4 = defineAdapter<Ga4Settings, Ga4Client, 'ga4'>({
  name: 'ga4',
  label: 'GA4',
  vendorGlobal: 'gtag',

  calls: ['event'],
  ...forReadingConfigs({ idSetting: 'measurementId', personalData: 'never', consentCategory: 'analytics' }),
  consentCalls: ga4ConsentCalls,
  loadSignalsConsent: true,
  // Our property, once, without the automatic page view the page already sends.
  setupCalls: (settings, _client, { window }) =>
    settings.measurementId && !isConfigured(window.dataLayer, settings.measurementId) ? [{ fn: 'gtag', args: ['config', settings.measurementId, { send_page_view: false }] }] : [],
  // GA4 would count a copy from each channel: with relayUrl, only the relay sends.
  relay: 'relay',

  findOnPage(_settings, { window }) {
    if (typeof window.gtag !== 'function') return null
    return { event: (name, params) => window.gtag('event', name, params), gtag: (...args) => window.gtag(...args) }
  },

  prepare(call, _settings, note) {
    const name = eventNameFor(call.name)
    if (DEBUGS && name !== call.name) note(`event name "${call.name}" sent as "${name}" (GA4 naming rules)`)
    const params: JsonObject = {}
    let count = 0
    for (const [key, value] of Object.entries(call.params)) {
      if (value !== null && typeof value === 'object') {
        if (DEBUGS) note(`dropped param "${key}": GA4 params are text, numbers or booleans`)
        continue
      }
      const paramName = paramNameFor(key)
      if (DEBUGS && paramName !== key) note(`param "${key}" sent as "${paramName}" (GA4 naming rules)`)
      if (count >= GA4_LIMITS.params) {
        if (DEBUGS) note(`dropped param "${key}": GA4 takes at most ${GA4_LIMITS.params} parameters`)
        continue
      }
      params[paramName] = typeof value === 'string' ? cutText(value, GA4_LIMITS.valueLength) : value
      count++
    }
    return { ...call, name, params }
  },

  // With a measurement id, to that property only: the page may configure others.
  vendorCalls: (call, settings) => [{ fn: 'gtag', args: ['event', call.name, settings.measurementId ? { ...call.params, send_to: settings.measurementId } : call.params] }],

  invoke: (client, { args }) => (args[0] === 'event' ? client.event(args[1] as string, args[2] as JsonObject) : client.gtag(...args)),
})

/** Whether the page's dataLayer already holds `gtag('config', id)`. */
function isConfigured(dataLayer: unknown, measurementId: string): boolean {
  if (!Array.isArray(dataLayer)) return false
  return dataLayer.some((entry) => entry && entry[0] === 'config' && entry[1] === measurementId)
}
