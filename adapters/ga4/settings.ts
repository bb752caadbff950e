import type { NameRules, SettingSpecs } from '../../src/adapter'
import type { Ga4Settings } from './index'
import { EVENT_NAME_PATTERNS, GA4_LIMITS, PARAM_NAME_PATTERNS, RESERVED_NAME_PREFIXES } from './limits'

/** Its settings, checked by the config schema (the CLI) and by shape in the page (src/config/page-check.ts). */
export const ga4Settings: SettingSpecs<Ga4Settings> = {
  measurementId: { type: 'string', pattern: /^G-[A-Z0-9]{4,16}$/, message: 'must look like "G-XXXXXXX"', description: 'GA4 measurement id' },
  gtagUrl: { type: 'string', pattern: /^(https?:)?\/\/\S+$/, message: 'must be an http(s) URL', description: 'URL the full bundle loads gtag.js from' },
  nonce: { type: 'string', pattern: /^[\s\S]+$/, message: 'must be a non-empty string', description: 'CSP nonce for the gtag.js script' },
}

/** The messages of GA4's naming rules: shape, reserved prefix, reserved name. */
const messages = (kind: string) => [
  `GA4 ${kind} names start with a letter and hold only letters, digits and underscores, at most ${GA4_LIMITS.nameLength} characters`,
  `GA4 reserves the prefixes ${RESERVED_NAME_PREFIXES.join(' ')}`,
  `is a reserved GA4 ${kind} name`,
]
const withMessages = (patterns: RegExp[], kind: string): [RegExp, string][] => patterns.map((pattern, i) => [pattern, messages(kind)[i]!])

/** GA4's naming rules, for the config schema (the page fixes names instead: limits.ts). */
export const ga4Names: NameRules = {
  event: withMessages(EVENT_NAME_PATTERNS, 'event'),
  param: withMessages(PARAM_NAME_PATTERNS, 'parameter'),
  maxParams: GA4_LIMITS.params,
}
