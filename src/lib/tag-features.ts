/**
 * What a compiled tag may leave out. `popin-bridge build` defines each `__TAG_*__` for what its
 * config uses (src/tag/build.ts) and the minifier drops the code behind a false one; every other
 * build leaves them undefined, so everything is in.
 */
declare const __TAG_TCF__: boolean | undefined
declare const __TAG_GOOGLE_CONSENT__: boolean | undefined
declare const __TAG_HASH__: boolean | undefined
declare const __TAG_DEBUG__: boolean | undefined
declare const __TAG_RELAY__: boolean | undefined
declare const __TAG_PLAN__: unknown
declare const __TAG_LOAD__: boolean | undefined
declare const __TAG_IDS__: boolean | undefined

/** Consent followed from a TCF CMP. */
export const FOLLOWS_TCF = typeof __TAG_TCF__ === 'undefined' || __TAG_TCF__
/** Consent followed from Google consent mode. */
export const FOLLOWS_GOOGLE = typeof __TAG_GOOGLE_CONSENT__ === 'undefined' || __TAG_GOOGLE_CONSENT__
/** SHA-256 in the page: a destination's `personalData: "hash"`, or Meta's advanced matching. */
export const HASHES = typeof __TAG_HASH__ === 'undefined' || __TAG_HASH__
/** The trace, and the debugger overlay for `?popin_bridge_debug`. */
export const DEBUGS = typeof __TAG_DEBUG__ === 'undefined' || __TAG_DEBUG__
/** The relay channel, for a config with `relayUrl`. */
export const RELAYS = typeof __TAG_RELAY__ === 'undefined' || __TAG_RELAY__
/** What takes an occurrence's visitor, page URL and whether its event is known: the relay channel or the trace. */
export const CONTEXT = RELAYS || DEBUGS
/** A compiled tag: its plan is built in, it reads no config from the page. */
export const COMPILED = typeof __TAG_PLAN__ !== 'undefined'
/**
 * Occurrence ids: in a compiled tag only when a destination's calls carry them, a rule reads
 * `{{occurrence}}`, or the relay channel or debug mode is in (src/tag/needs.ts).
 */
export const IDS = typeof __TAG_IDS__ === 'undefined' || __TAG_IDS__
/** The bridge loads vendors itself (the full bundle, npm): never in lite or a compiled tag. */
export const LOADS = typeof __TAG_LOAD__ === 'undefined' || __TAG_LOAD__

/**
 * What a compiled tag's plan reads and checks (src/tag/needs.ts), for code that is kept or left
 * out piece by piece. The minifier folds only `__TAG_X__.key` written out where it is used, so
 * each use spells `(typeof __TAG_X__ === 'undefined' || __TAG_X__.key)`: every other build has
 * them undefined, and everything in.
 */
declare global {
  /** The value shapes the privacy policy can be asked about (src/privacy/policy.ts). */
  const __TAG_SHAPES__: Readonly<Record<TagShape, boolean>> | undefined
  /** What the plan's rules read (src/plan/readers.ts). */
  const __TAG_READERS__: Readonly<Record<TagReader, boolean>> | undefined
  /** The payload fields the plan reads by name, with their classes (src/events/catalog.ts). */
  const __TAG_FIELDS__: [string, string][] | undefined
  /** Whether GA4 names may need fixing (adapters/ga4/limits.ts, `rulesNeedNameFixes`). */
  const __TAG_GA4_NAMES__: boolean | undefined
  /** Whether a GA4 event name the page renders may be a reserved one (adapters/ga4/limits.ts, `rulesMayRenderReservedEvents`). */
  const __TAG_GA4_RESERVED__: boolean | undefined
  /** Whether Facebook names and calls are decided in the page (adapters/facebook-pixel/standard-events.ts). */
  const __TAG_FB_NAMES__: boolean | undefined
}

/** The policy's shapes (`unknown`: a field the catalog does not list). */
export const TAG_SHAPES = ['flag', 'number', 'country', 'guest', 'dialing', 'time', 'zone', 'duration', 'url', 'screen', 'event', 'label', 'id', 'unknown', 'known-event'] as const
export type TagShape = (typeof TAG_SHAPES)[number]
/**
 * What rules read besides constants and payload paths: `@page` sources, the whole payload, and
 * template variables other than the event and the occurrence. (The tag's plan is code: readers no
 * rule uses are left out without a flag, src/tag/plan-code.ts.)
 */
export const TAG_READERS = ['page', 'payload', 'screen', 'pageVariable', 'dataVariable'] as const
export type TagReader = (typeof TAG_READERS)[number]
