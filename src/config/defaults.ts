/** What a config leaves out means these; and the config's fixed vocabularies and limits. */
export const DEFAULT_EVENT_ID = '{{event}}.{{occurrence}}'
export const DEFAULTS = { eventId: DEFAULT_EVENT_ID, readyTimeoutMs: 10_000, queueLimit: 100 } as const
export const PRESETS = ['popin-default', 'none'] as const
export const PAGE_FIELDS = ['url', 'path', 'title', 'referrer', 'host'] as const
export const MAX_RULES_PER_EVENT = 5
export const MAX_PARAM_DEPTH = 3
