import { isGranted, type ConsentContext, type VendorCall } from '../../src/adapter'

/**
 * Google consent mode v2: ads decisions drive `ad_storage`, `ad_user_data` and
 * `ad_personalization`; analytics drives `analytics_storage`. Undecided means denied where
 * consent is required, granted where it is not (the events go out then).
 * https://developers.google.com/tag-platform/security/guides/consent
 */
function googleConsent(consent: ConsentContext): Record<string, 'granted' | 'denied'> {
  const ads = isGranted(consent, 'ads') ? 'granted' : 'denied'
  return { ad_storage: ads, ad_user_data: ads, ad_personalization: ads, analytics_storage: isGranted(consent, 'analytics') ? 'granted' : 'denied' }
}

/** None when the bridge follows Google consent mode itself: it must not echo it back. */
export function ga4ConsentCalls(consent: ConsentContext, kind: 'default' | 'update'): VendorCall[] {
  if (consent.follow === 'google') return []
  return [{ fn: 'gtag', args: ['consent', kind, googleConsent(consent)] }]
}
