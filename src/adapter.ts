import type { ConsentCategory, ConsentState } from './consent/state'
import type { JsonObject } from './lib/json'
import type { Logger } from './lib/logger'
import { COMPILED, DEBUGS } from './lib/tag-features'

/**
 * The contract between popin-bridge and a destination. Adapters (adapters/<vendor>/) depend on
 * this file and src/lib only; the bridge and the relay depend on adapters, never the reverse.
 */

/** `window` as the bridge sees it: vendor globals are read by name. */
export type BridgeWindow = Window & typeof globalThis & Record<string, any>

export interface AdapterEnv {
  window: BridgeWindow
  log: Logger
  /** The consent settings and the visitor's decisions so far (a live object). */
  consent: ConsentContext
}

export interface ConsentContext {
  required: boolean
  follow?: 'tcf' | 'google'
  state: ConsentState
}

/**
 * Whether the vendor may be told "granted" for a category: the visitor granted it, or consent is
 * not required and nothing was decided (then the bridge sends, and the signal must say so too).
 */
export function isGranted(consent: ConsentContext, category: 'analytics' | 'ads'): boolean {
  return consent.state[category] ?? !consent.required
}

/** One vendor call, as data: what `invoke` runs and what debug mode prints. */
export interface VendorCall {
  /** How the call reads in the page's terms, e.g. `fbq` or `analytics.track`. */
  fn: string
  args: unknown[]
}

/**
 * One call for one destination, after the compiled plan and the privacy policy: everything an
 * adapter may use. Adapters never see the Popin payload.
 */
export interface Call {
  /** The vendor call kind (`track`, `identify`, `event`, `push`, ...). */
  call: string
  name: string
  params: JsonObject
  /** The event occurrence's id: the same for every destination and call of one occurrence. */
  eventId: string
  /** The Popin event it came from, by name only (for messages). */
  event: { name: string; kind: 'known' | 'screen' | 'unknown' | 'webhook' }
  /** Popin's pseudonymous visitor id (`uid`, or a webhook's `user_id`), when it passed the policy. */
  visitor?: string
  /** The page the event happened on (a webhook's `url`), when it passed the policy. */
  url?: string
  /** Meta's match keys, SHA-256 hashed, for destinations whose plan asks for them. */
  matchKeys?: Record<string, string>
  /** The visitor's decisions, when the config requires consent (Segment passes them on). */
  consent?: ConsentState
}

/** Rules for a destination's names that the config schema checks (a pattern and its message). */
export interface NameRules {
  /** A literal event name (no `{{…}}`). */
  event?: [RegExp, string][]
  /** A parameter name. */
  param?: [RegExp, string][]
  maxParams?: number
}

/** The `popin-default` rules of a destination, by section. */
export interface Preset {
  events: Record<string, RuleSet>
  screens: Record<string, RuleSet>
  /** Popin's webhooks, for the relay (the server sender adds them). */
  webhooks?: Record<string, RuleSet>
}

/** A rule as the config writes it; `src/config/schema.ts` is its definition. */
export interface Rule {
  name?: string
  call?: string
  params?: Record<string, ParamSource | null>
  payload?: boolean
}

/** `false`: send nothing. `true`: the preset's rule. A list sends several calls in order. */
export type RuleSet = boolean | null | Rule | Rule[]

/** A constant, `{"@path": …}`, `{"@template": …}`, `{"@page": …}`, or an object of these. */
export type ParamSource = string | number | boolean | null | { '@path': string } | { '@template': string } | { '@page': PageField } | { [key: string]: ParamSource }

export type PageField = 'url' | 'path' | 'title' | 'referrer' | 'host'

/**
 * A destination: a plain definition object. The vendor client is found or loaded once and then
 * passed in, so tests hand in a fake and assert the exact `VendorCall`s.
 */
export interface Adapter<Settings extends object = any, Client = any> {
  /** The key of this destination under `destinations` in the config. */
  name: string
  /** For people: "Facebook Pixel". */
  label: string
  /** The page global the adapter looks for, named in messages. */
  vendorGlobal: string
  /**
   * This destination's own settings, for the config checks. The built-in destinations keep theirs
   * apart (adapters/config.ts), so a compiled tag does not carry them.
   */
  settings?: SettingSpecs<Settings>
  /**
   * Its vendor calls carry the occurrence's id (Meta's `eventID`, the dataLayer's
   * `popin_event_id`): a compiled tag with no such destination makes no ids.
   */
  eventIds?: boolean
  /** The setting without which the bridge cannot load the vendor itself. */
  idSetting?: keyof Settings & string
  /** Call kinds a rule may name; the first is the default unless `defaultCall` says otherwise. */
  calls: readonly string[]
  defaultCall?(name: string): string
  /**
   * `never`: personal data never reaches it, whatever the config says (rules that map it are
   * config errors). `setting`: its `personalData` setting (send, hash or omit) decides.
   */
  personalData: 'never' | 'setting'
  /** Whether it gets hashed match keys from a captured contact (Meta's advanced matching). */
  matchKeys?(settings: Settings, side: 'browser' | 'server'): boolean
  /** The vendor's rules for names, for the config schema (the built-in ones: adapters/config.ts). */
  names?: NameRules
  /** The consent category this destination needs by default. */
  consentCategory: ConsentCategory
  /**
   * The vendor's own consent signal for the visitor's current decisions: `default` when the
   * vendor is first used, `update` when a decision changes. Empty when there is nothing to say.
   * `allowed` is whether this destination may send now, for the category the config gives it.
   */
  consentCalls?(consent: ConsentContext, kind: 'default' | 'update', settings: Settings, allowed: boolean): VendorCall[]
  /** Calls that set the vendor up for this config (`fbq('init')`), made after the consent default. */
  setupCalls?(settings: Settings, client: Client, env: AdapterEnv): VendorCall[]
  /** `load` puts the consent default in place itself (before the vendor's own first command). */
  loadSignalsConsent?: boolean
  /**
   * This destination's part of the built-in `popin-default` preset. The built-in destinations keep
   * theirs apart (adapters/config.ts), so a compiled tag does not carry them.
   */
  preset?: Preset
  /**
   * With the config's `relayUrl`, how its events travel: `both` the page and the relay (the vendor
   * deduplicates the pair by the shared event id: Meta), `relay` the relay alone (a vendor that would
   * count both copies: GA4, Segment). Without it, the page only.
   */
  relay?: 'both' | 'relay'
  /** The vendor the page already has, or null while there is none. Makes no vendor call. */
  findOnPage(settings: Settings, env: AdapterEnv): Client | null
  /** Loads the vendor when the page has none (full builds only). */
  load?(settings: Settings, env: AdapterEnv): Client | Promise<Client>
  /**
   * Enforces vendor limits: returns a fixed call, or null to drop it; `note` explains in debug mode
   * (behind `DEBUGS`, src/lib/tag-features.ts: a build without debug mode leaves the notes out).
   */
  prepare?(call: Call, settings: Settings, note: (message: string) => void): Call | null
  /** The vendor calls for one call. Pure: no vendor is touched. */
  vendorCalls(call: Call, settings: Settings): VendorCall[]
  /** Runs one vendor call on the client; may return a promise the bridge watches for errors. */
  invoke(client: Client, call: VendorCall): unknown
}

/** One setting of a destination: its JSON type, for text the pattern it must match, and what it is for. */
export type SettingSpec<T> = (T extends string
  ? { type: 'string'; pattern: RegExp; message: string }
  : T extends boolean
    ? { type: 'boolean' }
    : { type: 'object' }) & { description: string }

/** A destination's settings, each as a spec. */
export type SettingSpecs<Settings> = { [K in keyof Settings]-?: SettingSpec<NonNullable<Settings[K]>> }

/**
 * An adapter's properties that only reading a config uses (src/plan/resolve.ts, the schema, the
 * page's check) or a build (`eventIds`): a compiled tag, its plan resolved when it was built,
 * leaves them out, unless it debugs (the trace's first record lists the adapters).
 */
export function forReadingConfigs<Settings extends object>(properties: ConfigReading<Settings>): ConfigReading<Settings> {
  return COMPILED && !DEBUGS ? ({} as ConfigReading<Settings>) : properties
}
type ConfigReading<Settings extends object> = Pick<Adapter<Settings, unknown>, 'idSetting' | 'personalData' | 'matchKeys' | 'consentCategory' | 'eventIds'>

/** Types an adapter definition, keeping its literal `name` for the config types. */
export function defineAdapter<Settings extends object, Client, Name extends string>(
  adapter: Adapter<Settings, Client> & { name: Name },
): Adapter<Settings, Client> & { name: Name } {
  return adapter
}

/** The settings type of an adapter. */
export type SettingsOf<A> = A extends Adapter<infer Settings, any> ? Settings : never

/** An HTTP request as the relay's outbox stores it: no secret in it, ever. */
export interface StoredRequest {
  url: string
  headers: Record<string, string>
  body: unknown
}

/** What a server sender knows besides the call: the relay's settings and the webhook's timing. */
export interface ServerContext {
  settings: any
  relay: { actionSource: string; testEventCode?: string; endpoints: Record<string, string> }
  /** When the event happened (Popin's `timestamp`, else when the relay received it; never later). */
  eventTime: Date
  /** The call's place among its occurrence's calls: stable across retries. */
  index: number
  /** SHA-256 hex, node:crypto on the server. */
  hash(text: string): string
  /** The visit's match keys: a browser event's own, or those stitched to a webhook's visitor. */
  visit?: VisitKeys
  /** Set for an event the page sent through the relay's `POST /e`: where and how it happened. */
  browser?: { ip?: string; userAgent?: string }
}

/** A visitor's match keys as the page read them (cookies, gtag, analytics.js), by vendor. */
export interface VisitKeys {
  /** Meta's `_fbp` browser id. */
  fbp?: string
  /** Meta's click id, `fb.1.<ms>.<fbclid>`. */
  fbc?: string
  /** GA4's client id (`_ga`) and session id (`_ga_<stream>`). */
  client_id?: string
  session_id?: string
  /** Segment's anonymousId from analytics.js. */
  anonymousId?: string
}

/** The relay's side of a destination: it builds requests for that vendor's server API. */
export interface ServerSender {
  /** The browser adapter it shares its config section, rules and vendor limits with. */
  browser: Adapter
  /** The `popin-default` rules for Popin's webhooks (the section `webhooks` of the destination). */
  webhookPreset: Record<string, RuleSet>
  /** Secret name → the environment variable that holds it. */
  secrets: Record<string, string>
  /** Base URL of the vendor API (overridable with `relay.endpoints.<name>`). */
  endpoint: string
  /** Events older than this are refused by the vendor: dead-lettered instead of retried. */
  maxAgeMs?: number
  /** Why this destination cannot run (missing id or secret), or undefined when it can. */
  misconfigured?(settings: any, secrets: Record<string, string | undefined>): string | undefined
  request(call: Call, context: ServerContext): StoredRequest
  /** Adds the secrets to a stored request, just before it is sent. */
  authorize(request: StoredRequest, secrets: Record<string, string>): StoredRequest
  /** The same request to the vendor's validation endpoint, which checks it without recording it (`relay.validateGa4`). */
  validation?(request: StoredRequest): StoredRequest
  /** For a 4xx other than 408 and 429: whether the vendor says to try again (e.g. throttling). */
  retryable?(status: number, body: string): boolean
  /** How stored requests to this vendor may share one HTTP request; without it, one request each. */
  batch?: Batching
  /**
   * Requests in flight at once by default (`relay.limits.<name>.concurrency` overrides it): more
   * where requests are small because the vendor cannot merge many events into one. Default 4.
   */
  concurrency?: number
}

/**
 * Merging stored requests into one HTTP request. Each stored request keeps its own ids inside the
 * merged one, so a retry or a split sends exactly the same events again.
 */
export interface Batching {
  /** Most stored requests in one HTTP request. */
  max: number
  /** Most bytes of the merged body as JSON, when the vendor limits it. */
  maxBytes?: number
  /** Requests with the same key may be merged (same URL, and whatever else must match). */
  key(request: StoredRequest): string
  /** One request carrying all of these (two or more, with the same key), in their order. */
  merge(requests: StoredRequest[]): StoredRequest
}
