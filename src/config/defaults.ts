import { CHAR } from '../lib/char'

/** What a config leaves out means these; and the config's fixed vocabularies, limits and patterns. */
export const DEFAULT_EVENT_ID = '{{event}}.{{occurrence}}'
export const DEFAULTS = { eventId: DEFAULT_EVENT_ID, readyTimeoutMs: 10_000, queueLimit: 100 } as const
/** `readyTimeoutMs` and `queueLimit`: whole numbers in these ranges. */
export const READY_TIMEOUT_RANGE = [0, 600_000] as const
export const QUEUE_LIMIT_RANGE = [1, 10_000] as const
export const PRESETS = ['popin-default', 'none'] as const
export const PAGE_FIELDS = ['url', 'path', 'title', 'referrer', 'host'] as const
export const MAX_RULES_PER_EVENT = 5
export const MAX_PARAM_DEPTH = 3
/** `eventId`: at most 100 characters; `{{occurrence}}` in it (one id per occurrence); nothing from the payload. */
export const EVENT_ID_RULES: [RegExp, string][] = [
  [new RegExp(`^${CHAR}{1,100}$`), 'must be at most 100 characters'],
  [/\{\{\s*occurrence\s*\}\}/, 'must contain {{occurrence}}, so that each event occurrence has its own id'],
  [/^(?:[^{}]|\{\{\s*(?:event|occurrence)\s*\}\})*$/, 'may use only {{event}} and {{occurrence}}: ids carry no payload field'],
]
/** `relayUrl`: http(s), no query, no trailing slash. */
export const RELAY_URL = /^https?:\/\/[^\s?#]*[^\s?#/]$/
/** A `@path`: a payload field. */
export const PATH = /^\S+$/
/** A real config nests about ten levels and holds a few hundred values (Segment's `cdnSettings` more): beyond these it is not one. */
export const CONFIG_LIMITS = { depth: 32, values: 20_000 }
