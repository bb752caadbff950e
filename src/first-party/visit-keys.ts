import type { BridgeWindow, VisitKeys } from '../adapter'

/** A cookie's value as set (`_fbc` and `fbclid` stay byte for byte as they are). */
export function cookie(win: BridgeWindow, name: string): string | undefined {
  try {
    return new RegExp(`(?:^|;\\s*)${name}=([^;]*)`).exec(win.document.cookie)?.[1]
  } catch {
    return undefined
  }
}

/** `_ga` is `GA1.<level>.<random>.<seconds>`: the client id is its last two parts. */
export const gaClientId = (value = '') => /^GA\d\.\d+\.(\d+\.\d+)$/.exec(value)?.[1]

/**
 * The session id in `_ga_<stream>`: GS1 is positional (`GS1.1.<session>.<count>...`); GS2, rolled out
 * in 2025, is `$`-separated prefixed values in any order (`GS2.1.s<session>$o5$g1$t<time>...`).
 */
export const gaSessionId = (value = '') => (/^GS1\.\d+\.(\d+)/.exec(value) ?? /^GS2\.\d+\.(?:\S*?\$)?s(\d+)/.exec(value))?.[1]

/**
 * analytics.js keeps its anonymousId in a cookie, raw (analytics-next, the full bundle's own
 * instance included) or JSON-quoted (classic analytics.js): read when no `window.analytics` answers.
 */
function ajsAnonymousId(win: BridgeWindow): string | undefined {
  try {
    return decodeURIComponent(cookie(win, 'ajs_anonymous_id') ?? '').replace(/^"(.*)"$/, '$1') || undefined
  } catch {
    return undefined
  }
}

/**
 * Reads the page's match keys for one relayed destination: Meta's `_fbp` and `_fbc` (else one
 * built from the landing URL's `fbclid`, as the Pixel would), GA4's client and session ids (from
 * gtag when it has answered, else from its cookies), Segment's anonymousId from analytics.js (or its cookie).
 */
export function visitKeyReader(win: BridgeWindow) {
  const fbclid = /[?&]fbclid=([^&#]+)/.exec(win.location.search)?.[1]
  // Meta's format: fb.<subdomain index>.<when the click id was first seen, ms>.<fbclid unmodified>
  const builtFbc = fbclid && `fb.1.${Date.now()}.${fbclid}`
  const fromGtag: VisitKeys = {}
  let asked = false

  return (destination: string, settings: Record<string, unknown>): VisitKeys => {
    if (destination === 'facebookPixel') return { fbp: cookie(win, '_fbp'), fbc: cookie(win, '_fbc') || builtFbc }
    if (destination === 'ga4') {
      const id = settings.measurementId as string | undefined
      if (!asked && id && typeof win.gtag === 'function') {
        asked = true
        // Answers once gtag.js runs (never, when it is blocked): the cookies stand in until then.
        for (const field of ['client_id', 'session_id'] as const) win.gtag('get', id, field, (value: unknown) => value && (fromGtag[field] = String(value)))
      }
      const stream = id ? cookie(win, `_ga_${id.slice(2)}`) : /(?:^|;\s*)_ga_\w+=([^;]*)/.exec(win.document.cookie)?.[1]
      return { client_id: fromGtag.client_id ?? gaClientId(cookie(win, '_ga')), session_id: fromGtag.session_id ?? gaSessionId(stream) }
    }
    if (destination === 'segment') return { anonymousId: win.analytics?.user?.().anonymousId?.() ?? ajsAnonymousId(win) }
    return {}
  }
}
