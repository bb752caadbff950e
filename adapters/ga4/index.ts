import { defineAdapter } from '../../src/adapter'
import { looksPersonal } from '../../src/events/personal'
import type { JsonObject } from '../../src/lib/json'
import type { Problem } from '../../src/mapping/types'
import { ga4ConsentCalls } from './consent'
import { memo } from '../../src/lib/memo'
import { fixName, GA4_LIMITS, nameProblem } from './limits'

// The same few names go by on every event: fix each once.
const fixEventName = memo(fixName)
const paramNameFor = memo((key) => (nameProblem(key, 'param') ? fixName(key) : key))
import { preset } from './preset'

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
  settings: {
    measurementId: { type: 'string', description: 'GA4 measurement id', pattern: /^G-[A-Z0-9]{4,16}$/, hint: 'must look like "G-XXXXXXX"' },
    gtagUrl: { type: 'string', description: 'URL the full bundle loads gtag.js from', pattern: /^(https?:)?\/\//, hint: 'must be an http(s) URL' },
    nonce: { type: 'string', description: 'CSP nonce for the gtag.js script' },
  },
  idSetting: 'measurementId',
  calls: ['event'],
  personalData: 'never',
  consentCategory: 'analytics',
  consentCalls: ga4ConsentCalls,
  preset,
  checkRule(rule, path) {
    const problems: Problem[] = []
    if (typeof rule.name === 'string' && !rule.name.includes('{{')) {
      const problem = nameProblem(rule.name, 'event')
      if (problem) problems.push({ path: `${path}.name`, message: problem })
    }
    const keys = Object.keys(rule.params ?? {})
    if (keys.length > GA4_LIMITS.params) problems.push({ path: `${path}.params`, message: `GA4 takes at most ${GA4_LIMITS.params} parameters` })
    for (const key of keys) {
      const problem = nameProblem(key, 'param')
      if (problem) problems.push({ path: `${path}.params.${key}`, message: problem })
    }
    return problems
  },

  findOnPage(settings, { window }) {
    const gtag = window.gtag
    if (typeof gtag !== 'function') return null
    // Configure our property once, without the automatic page view the page already sends.
    if (settings.measurementId && !isConfigured(window.dataLayer, settings.measurementId)) {
      gtag('config', settings.measurementId, { send_page_view: false })
    }
    return { event: (name, params) => window.gtag('event', name, params), gtag: (...args) => window.gtag(...args) }
  },

  prepare(call, settings, note) {
    const name = fixEventName(call.name)
    if (name !== call.name) note(`event name "${call.name}" sent as "${name}" (GA4 naming rules)`)
    const params: JsonObject = {}
    let count = 0
    for (const [key, value] of Object.entries(call.params)) {
      if (call.personal.includes(key) || looksPersonal(key, value)) {
        note(`dropped param "${key}": GA4 never receives personal data`)
        continue
      }
      if (value !== null && typeof value === 'object') {
        note(`dropped param "${key}": GA4 params are text, numbers or booleans`)
        continue
      }
      const paramName = paramNameFor(key)
      if (paramName !== key) note(`param "${key}" sent as "${paramName}" (GA4 naming rules)`)
      if (count >= GA4_LIMITS.params) {
        note(`dropped param "${key}": GA4 takes at most ${GA4_LIMITS.params} parameters`)
        continue
      }
      params[paramName] = typeof value === 'string' && value.length > GA4_LIMITS.valueLength ? value.slice(0, GA4_LIMITS.valueLength) : value
      count++
    }
    if (settings.measurementId) params.send_to = settings.measurementId
    return { ...call, name, params }
  },

  vendorCalls: (call) => [{ fn: 'gtag', args: ['event', call.name, call.params] }],

  invoke: (client, { args }) => (args[0] === 'event' ? client.event(args[1] as string, args[2] as JsonObject) : client.gtag(...args)),
})

/** Whether the page's dataLayer already holds `gtag('config', id)`. */
function isConfigured(dataLayer: unknown, measurementId: string): boolean {
  if (!Array.isArray(dataLayer)) return false
  return dataLayer.some((entry) => entry && entry[0] === 'config' && entry[1] === measurementId)
}
