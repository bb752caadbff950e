import type { ConsentContext, VendorCall } from '../../src/adapter'

/**
 * Google consent mode v2: ads decisions drive `ad_storage`, `ad_user_data` and
 * `ad_personalization`; analytics drives `analytics_storage`. No decision yet means denied.
 * https://developers.google.com/tag-platform/security/guides/consent
 */
export function googleConsent(state: ConsentContext['state']): Record<string, 'granted' | 'denied'> {
  const ads = state.ads ? 'granted' : 'denied'
  return { ad_storage: ads, ad_user_data: ads, ad_personalization: ads, analytics_storage: state.analytics ? 'granted' : 'denied' }
}

/** None when the bridge follows Google consent mode itself: it must not echo it back. */
export function ga4ConsentCalls(consent: ConsentContext, kind: 'default' | 'update'): VendorCall[] {
  if (consent.follow === 'google') return []
  return [{ fn: 'gtag', args: ['consent', kind, googleConsent(consent.state)] }]
}
