import { defineAdapter, type VendorCall } from '../../src/adapter'
import { looksPersonal } from '../../src/events/personal'
import { userDataFromLead } from './advanced-matching'
import { preset } from './preset'
import { CUSTOM_NAME_MAX, isStandardEvent, STANDARD_EVENTS } from './standard-events'

export interface FacebookPixelSettings {
  /** Sends with `trackSingle` to this pixel only, and lets the bridge load the Pixel. */
  pixelId?: string
  /** Passes a captured lead's contact details to `fbq('init')` for advanced matching. Default false. */
  advancedMatching?: boolean
}

/** `fbq` as the official snippet defines it. */
export type Fbq = ((...args: unknown[]) => void) & { queue?: unknown[][]; getState?: () => { pixels?: { id: string }[] } }

export const facebookPixel = defineAdapter<FacebookPixelSettings, Fbq, 'facebookPixel'>({
  name: 'facebookPixel',
  label: 'Facebook Pixel',
  vendorGlobal: 'fbq',
  settings: {
    pixelId: { type: 'string', description: 'Meta Pixel id', pattern: /^\d{5,20}$/, hint: 'must be the digits of a Meta Pixel id' },
    advancedMatching: { type: 'boolean', description: "Send a captured lead's contact details as advanced matching" },
  },
  idSetting: 'pixelId',
  calls: ['track', 'trackCustom'],
  defaultCall: (name) => (isStandardEvent(name) ? 'track' : 'trackCustom'),
  personalData: 'never',
  consentCategory: 'ads',
  /** https://developers.facebook.com/docs/meta-pixel/implementation/gdpr */
  consentCalls: ({ state }) => [{ fn: 'fbq', args: ['consent', state.ads ? 'grant' : 'revoke'] }],
  preset,
  checkRule(rule, path) {
    const name = rule.name
    if (typeof name !== 'string' || name.includes('{{')) return []
    if (rule.call === 'track' && !isStandardEvent(name)) {
      return [{ path: `${path}.name`, message: `"${name}" is not a Facebook standard event (${STANDARD_EVENTS.join(', ')}); use "call": "trackCustom"` }]
    }
    if (!isStandardEvent(name) && name.length > CUSTOM_NAME_MAX) {
      return [{ path: `${path}.name`, message: `Facebook custom event names are at most ${CUSTOM_NAME_MAX} characters` }]
    }
    return []
  },

  findOnPage(settings, { window }) {
    const fbq = window.fbq as Fbq | undefined
    if (typeof fbq !== 'function') return null
    if (settings.pixelId && !hasPixel(fbq, settings.pixelId)) fbq('init', settings.pixelId)
    return fbq
  },

  prepare(call, _settings, note) {
    const params = { ...call.params }
    for (const key of Object.keys(params)) {
      if (call.personal.includes(key) || looksPersonal(key, params[key])) {
        delete params[key]
        note(`dropped param "${key}": personal data goes to Facebook only as advanced matching`)
      }
    }
    let name = call.name
    if (call.call === 'trackCustom' && name.length > CUSTOM_NAME_MAX) {
      name = name.slice(0, CUSTOM_NAME_MAX)
      note(`custom event name cut to ${CUSTOM_NAME_MAX} characters`)
    }
    return { ...call, name, params }
  },

  vendorCalls(call, settings) {
    const calls: VendorCall[] = []
    const { pixelId } = settings
    if (settings.advancedMatching && pixelId && call.event.name === 'popin_captured') {
      const userData = userDataFromLead(call.event.data)
      if (Object.keys(userData).length) calls.push({ fn: 'fbq', args: ['init', pixelId, userData] })
    }
    const options = { eventID: call.eventId }
    const custom = call.call === 'trackCustom'
    calls.push({
      fn: 'fbq',
      args: pixelId
        ? [custom ? 'trackSingleCustom' : 'trackSingle', pixelId, call.name, call.params, options]
        : [custom ? 'trackCustom' : 'track', call.name, call.params, options],
    })
    return calls
  },

  invoke: (fbq, { args }) => fbq(...args),
})

/** Whether the page's Pixel already knows this pixel id (loaded library, or calls still queued). */
function hasPixel(fbq: Fbq, pixelId: string): boolean {
  try {
    if (fbq.getState?.().pixels?.some((pixel) => pixel.id === pixelId)) return true
  } catch {
    // An odd fbq: fall back to the queue.
  }
  return (fbq.queue ?? []).some((args) => args[0] === 'init' && String(args[1]) === pixelId)
}
