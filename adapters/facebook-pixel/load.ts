import type { AdapterEnv } from '../../src/adapter'
import { loadScript } from '../../src/lib/load-script'
import type { DestinationConfig } from '../../src/mapping/types'
import { facebookPixel, type Fbq, type FacebookPixelSettings } from './index'

export const FBEVENTS_URL = 'https://connect.facebook.net/en_US/fbevents.js'

/**
 * Meta's official base code, minus its PageView: the page owns page views. It keeps the
 * snippet's guard, so a Pixel the page adds later reuses this queue instead of a second copy.
 */
export function loadFacebookPixel(settings: DestinationConfig<FacebookPixelSettings>, env: AdapterEnv): Fbq {
  const { window } = env
  if (typeof window.fbq !== 'function') {
    const fbq: any = function (...args: unknown[]) {
      if (fbq.callMethod) fbq.callMethod(...args)
      else fbq.queue.push(args)
    }
    if (!window._fbq) window._fbq = fbq
    fbq.push = fbq
    fbq.loaded = true
    fbq.version = '2.0'
    fbq.queue = []
    window.fbq = fbq
    loadScript(window.document, FBEVENTS_URL)
    // Revoked before `init` when consent is required, as Meta asks.
    if (env.consent.required) for (const call of facebookPixel.consentCalls!(env.consent, 'default', settings)) fbq(...call.args)
  }
  return facebookPixel.findOnPage(settings, env) as Fbq
}
