import type { AdapterEnv } from '../../src/adapter'
import { loadScript } from '../../src/lib/load-script'
import type { Fbq } from './index'

export const FBEVENTS_URL = 'https://connect.facebook.net/en_US/fbevents.js'

/**
 * Meta's official base code, minus its PageView: the page owns page views. It keeps the
 * snippet's guard, so a Pixel the page adds later reuses this queue instead of a second copy.
 * The bridge then sends the consent signal, then `init`, in that order, as Meta asks.
 */
export function loadFacebookPixel(_settings: unknown, { window }: AdapterEnv): Fbq {
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
  }
  return window.fbq as Fbq
}
