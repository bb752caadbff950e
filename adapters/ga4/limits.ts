/**
 * GA4 collection limits and reserved names.
 * https://support.google.com/analytics/answer/9267744 and /answer/13316687
 */
export const GA4_LIMITS = { nameLength: 40, params: 25, valueLength: 100 } as const

/** Reserved names of web streams (app-only ones cannot come from a browser). */
export const RESERVED_EVENT_NAMES = [
  'ad_impression', 'app_remove', 'app_store_refund', 'app_store_subscription_cancel', 'app_store_subscription_renew',
  'click', 'error', 'file_download', 'first_open', 'first_visit', 'form_start', 'form_submit', 'in_app_purchase',
  'page_view', 'screen_view', 'scroll', 'session_start', 'user_engagement', 'view_complete', 'video_progress',
  'video_start', 'view_search_results',
]
export const RESERVED_NAME_PREFIXES = ['_', 'firebase_', 'ga_', 'google_', 'gtag.']
export const RESERVED_PARAMS = ['cid', 'engagement_time_msec', 'gclid', 'session_id', 'session_number', 'uid']

const VALID_NAME = /^[A-Za-z][A-Za-z0-9_]*$/

/** Why a name breaks GA4's naming rules, or undefined when it is fine. */
export function nameProblem(name: string, kind: 'event' | 'param'): string | undefined {
  if (name.length > GA4_LIMITS.nameLength) return `GA4 ${kind} names are at most ${GA4_LIMITS.nameLength} characters`
  if (!VALID_NAME.test(name)) return `GA4 ${kind} names start with a letter and hold only letters, digits and underscores`
  if (RESERVED_NAME_PREFIXES.some((prefix) => name.startsWith(prefix))) return `GA4 reserves the prefix of "${name}"`
  if (kind === 'event' && RESERVED_EVENT_NAMES.includes(name)) return `"${name}" is a reserved GA4 event name`
  if (kind === 'param' && RESERVED_PARAMS.includes(name)) return `"${name}" is a reserved GA4 parameter name`
  return undefined
}

/** The closest valid name: other characters become `_`, a letter first, cut to length, reserved ones prefixed. */
export function fixName(name: string): string {
  let fixed = name.replace(/[^A-Za-z0-9_]/g, '_').replace(/^[^A-Za-z]+/, '')
  if (!fixed || RESERVED_NAME_PREFIXES.some((p) => fixed.startsWith(p)) || RESERVED_EVENT_NAMES.includes(fixed)) {
    fixed = `popin_${fixed}`
  }
  return fixed.slice(0, GA4_LIMITS.nameLength).replace(/_+$/, '')
}
