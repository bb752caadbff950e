import type { Rule } from '../../src/adapter'

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
/**
 * Reserved parameters, and the ids GA4 keeps for itself (a `user_id` or `client_id` param would
 * pose as the visitor's identity): never sent as parameters.
 */
export const RESERVED_PARAMS = ['cid', 'client_id', 'customer_id', 'engagement_time_msec', 'gclid', 'session_id', 'session_number', 'sid', 'uid', 'user_id', 'userid']

// Not a regular expression: this one would be compiled and run while the page loads.
const escape = (word: string) => word.split('.').join('\\.')
const NAME_SHAPE = `[A-Za-z][A-Za-z0-9_]{0,${GA4_LIMITS.nameLength - 1}}`

/**
 * GA4's naming rules, as patterns (settings.ts gives the schema their messages). Pure: a compiled
 * tag whose names need no fixing leaves them out (`rulesNeedNameFixes`).
 */
const SHAPE = /* @__PURE__ */ new RegExp(`^${NAME_SHAPE}$`)
const notStartingWith = (prefixes: string[]) => new RegExp(`^(?!${prefixes.map(escape).join('|')})`)
const NO_RESERVED_PREFIX_PATTERN = /* @__PURE__ */ notStartingWith(RESERVED_NAME_PREFIXES)
const notOneOf = (names: string[]) => new RegExp(`^(?!(?:${names.join('|')})$)`)
// A compiled tag whose rules cannot render a reserved event name leaves their list out (`rulesMayRenderReservedEvents`).
const rendersReserved = typeof __TAG_GA4_RESERVED__ === 'undefined' || __TAG_GA4_RESERVED__
export const EVENT_NAME_PATTERNS: RegExp[] = [SHAPE, NO_RESERVED_PREFIX_PATTERN, ...(rendersReserved ? [/* @__PURE__ */ notOneOf(RESERVED_EVENT_NAMES)] : [])]
export const PARAM_NAME_PATTERNS: RegExp[] = [SHAPE, NO_RESERVED_PREFIX_PATTERN, /* @__PURE__ */ notOneOf(RESERVED_PARAMS)]

const valid = (name: string, patterns: RegExp[]) => patterns.every((pattern) => pattern.test(name))
export const isValidEventName = (name: string) => valid(name, EVENT_NAME_PATTERNS)
export const isValidParamName = (name: string) => valid(name, PARAM_NAME_PATTERNS)

/** The closest valid name: other characters become `_`, a letter first, cut to length, reserved ones prefixed. */
export function fixName(name: string, kind: 'event' | 'param'): string {
  let fixed = name.replace(/[^A-Za-z0-9_]/g, '_').replace(/^[^A-Za-z]+/, '')
  if (!fixed || !(kind === 'event' ? isValidEventName : isValidParamName)(fixed.slice(0, GA4_LIMITS.nameLength))) fixed = `popin_${fixed}`
  return fixed.slice(0, GA4_LIMITS.nameLength).replace(/_+$/, '')
}

/**
 * Whether rules can make a name GA4 would refuse: one rendered from a template or the payload, or
 * one invalid as written. A compiled tag whose GA4 rules cannot leaves the fixing out.
 */
export function rulesNeedNameFixes(rules: readonly Rule[]): boolean {
  return rules.some((rule) => rule.payload === true || !isValidEventName(rule.name ?? '{{event}}') || Object.keys(rule.params ?? {}).some((key) => !isValidParamName(key)))
}

const EVENT_TEMPLATE = /^\{\{\s*event\s*\}\}$/

/**
 * Whether rules can make an event name GA4 reserves: from a constant invalid as written (its fixed
 * form may be one) or a template other than `{{event}}` alone, whose values the privacy policy
 * keeps to Popin's `popin_…` and `nudge_…` names (the `event` shape), none of them reserved.
 */
export function rulesMayRenderReservedEvents(rules: readonly Rule[]): boolean {
  return rules.some(({ name = '{{event}}' }) => !EVENT_TEMPLATE.test(name) && !isValidEventName(name))
}
