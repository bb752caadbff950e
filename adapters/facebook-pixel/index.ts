import { defineAdapter, forReadingConfigs, type Adapter, type VendorCall } from '../../src/adapter'
import { DEBUGS } from '../../src/lib/tag-features'
import { CUSTOM_NAME_MAX, defaultCall, isStandardEvent } from './standard-events'

export interface FacebookPixelSettings {
  /** Sends with `trackSingle` to this pixel only, and lets the bridge load the Pixel. */
  pixelId?: string
  /** Passes a captured lead's contact details, hashed, to `fbq('init')` for advanced matching. Default false. */
  advancedMatching?: boolean
}

/** `fbq` as the official snippet defines it. */
export type Fbq = ((...args: unknown[]) => void) & { queue?: unknown[][]; getState?: () => { pixels?: { id: string }[] } }

/** Names decided in the page: else a compiled tag's build decided them (`namesDecidedInPage`). */
const decidesNames = typeof __TAG_FB_NAMES__ === 'undefined' || __TAG_FB_NAMES__

const fixNames: NonNullable<Adapter['prepare']> = (call, _settings, note) => {
  let { name } = call
  // A standard event sent as `track`; anything else is custom, whatever the rule says.
  const kind = call.call === 'track' && !isStandardEvent(name) ? 'trackCustom' : call.call
  if (DEBUGS && kind !== call.call) note(`"${name}" is not a Facebook standard event: sent with trackCustom`)
  // Characters, not UTF-16 units, as the config schema counts them.
  const characters = Array.from(name)
  if (kind === 'trackCustom' && characters.length > CUSTOM_NAME_MAX) {
    name = characters.slice(0, CUSTOM_NAME_MAX).join('')
    if (DEBUGS) note(`custom event name cut to ${CUSTOM_NAME_MAX} characters`)
  }
  return { ...call, call: kind, name }
}

export const facebookPixel = defineAdapter<FacebookPixelSettings, Fbq, 'facebookPixel'>({
  name: 'facebookPixel',
  label: 'Facebook Pixel',
  vendorGlobal: 'fbq',

  calls: ['track', 'trackCustom'],
  ...forReadingConfigs({
    idSetting: 'pixelId',
    personalData: 'never',
    matchKeys: (settings, side) => side === 'server' || settings.advancedMatching === true,
    consentCategory: 'ads',
    // Meta deduplicates the Pixel's and the Conversions API's copy of an event by its event id.
    eventIds: true,
  }),
  /** https://developers.facebook.com/docs/meta-pixel/implementation/gdpr */
  // Whatever category the config gives the Pixel: the signal says what the bridge does.
  consentCalls: (_consent, _kind, _settings, allowed) => [{ fn: 'fbq', args: ['consent', allowed ? 'grant' : 'revoke'] }],
  setupCalls: (settings, fbq) => (settings.pixelId && !hasPixel(fbq, settings.pixelId) ? [{ fn: 'fbq', args: ['init', settings.pixelId] }] : []),
  // Meta counts the Pixel's and the Conversions API's copy of an event once: both channels send.
  relay: 'both',

  findOnPage: (_settings, { window }) => (typeof window.fbq === 'function' ? (window.fbq as Fbq) : null),

  // A compiled tag whose names were all decided at build time leaves these out (`namesDecidedInPage`).
  ...(decidesNames && { defaultCall, prepare: fixNames }),

  vendorCalls(call, settings) {
    const calls: VendorCall[] = []
    const { pixelId } = settings
    // Keys whose hashing failed (no WebCrypto) are left out: nothing left, no re-init.
    if (pixelId && call.matchKeys && Object.keys(call.matchKeys).length) calls.push({ fn: 'fbq', args: ['init', pixelId, call.matchKeys] })
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
