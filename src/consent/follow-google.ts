import type { ConsentState } from './state'

const POLL_MS = 250

/**
 * Follows Google consent mode as the page sets it: `gtag('consent', 'default' | 'update', {...})`
 * calls land in the dataLayer. analytics follows `analytics_storage`, ads `ad_storage`. A
 * `default` of "denied" is not yet a decision (the banner may still grant); an `update` is.
 */
export function followGoogleConsent(win: Record<string, any>, onDecision: (state: ConsentState) => void): () => void {
  let seen = 0
  const check = () => {
    const layer: unknown[] = Array.isArray(win.dataLayer) ? win.dataLayer : []
    for (; seen < layer.length; seen++) {
      const entry = layer[seen] as ArrayLike<unknown> | undefined
      if (!entry || typeof entry !== 'object' || entry[0] !== 'consent' || typeof entry.length !== 'number') continue
      const decision = googleDecision(entry[1], entry[2])
      if (decision) onDecision(decision)
    }
  }
  check()
  const timer = setInterval(check, POLL_MS)
  return () => clearInterval(timer)
}

function googleDecision(kind: unknown, settings: unknown): ConsentState | undefined {
  if ((kind !== 'default' && kind !== 'update') || !settings || typeof settings !== 'object') return undefined
  const { analytics_storage: analytics, ad_storage: ads } = settings as Record<string, unknown>
  const state: ConsentState = {}
  if (analytics === 'granted' || (kind === 'update' && analytics === 'denied')) state.analytics = analytics === 'granted'
  if (ads === 'granted' || (kind === 'update' && ads === 'denied')) state.ads = ads === 'granted'
  return Object.keys(state).length ? state : undefined
}
