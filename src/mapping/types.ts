import type { JsonObject, JsonValue, Scalar } from '../lib/json'

/**
 * Where a parameter's value comes from: a constant, or one single-key directive.
 * - `{ "@path": "rating" }`: a payload field (dots reach into objects: `captured.email`)
 * - `{ "@template": "Rated {{rating}}" }`: text with payload fields, `{{event}}` and `{{screen}}`
 * - `{ "@page": "url" }`: page context (`url`, `path`, `title`, `referrer`, `host`)
 * A plain object of sources builds a nested value (Segment traits such as `address.city`).
 */
export type ParamSource =
  | Scalar
  | { '@path': string }
  | { '@template': string }
  | { '@page': PageField }
  | { [key: string]: ParamSource }

export type PageField = 'url' | 'path' | 'title' | 'referrer' | 'host'

/** One call to a destination for one Popin event. */
export interface Rule {
  /** The destination's event name; may use `{{event}}`, `{{screen}}` and payload fields. */
  name?: string
  /** The kind of vendor call; each destination lists its own (`track`, `identify`, ...). */
  call?: string
  /** Parameters sent with the call. `null` removes a parameter the preset set. */
  params?: Record<string, ParamSource | null>
  /** Also forward every payload field not named in `params` (personal data is still filtered). */
  payload?: boolean
}

/** `false`: send nothing. `true`: the preset's rule. A list sends several calls in order. */
export type RuleSet = boolean | Rule | Rule[]

/** Keys every destination section shares; each destination adds its own settings. */
export interface DestinationConfigBase {
  /** Default `true`. */
  enabled?: boolean
  /**
   * `auto` (default): use the vendor already on the page, else load it when an id is set
   * (full bundle and npm only). `page`: only ever use the vendor the page has.
   */
  load?: 'auto' | 'page'
  /** Rules by Popin event name; `"*"` is the rule for events with no rule of their own. */
  events?: Record<string, RuleSet | null>
  /** Rules by screen id for screen-navigation events; `"*"` applies to every other screen. */
  screens?: Record<string, RuleSet | null>
  /** Rules by Popin webhook event name, for the relay; `"*"` catches the rest. */
  webhooks?: Record<string, RuleSet | null>
}

export type DestinationConfig<Settings = object> = DestinationConfigBase & Settings

/** A destination-neutral instruction produced by the mapping layer for one adapter. */
export interface MappedCall {
  destination: string
  call: string
  name: string
  params: JsonObject
  /** Top-level params whose value came from personal payload fields. */
  personal: string[]
  /** Deterministic id for deduplication (Pixel eventID, Conversions API event_id). */
  eventId: string
  event: PopinEvent
  /** The visitor's decisions when the config requires consent (Segment passes them on). */
  consent?: { analytics?: boolean; ads?: boolean }
}

/** A Popin call after intake: a safe copy, classified. */
export interface PopinEvent {
  /** The catalog name (aliases folded), or the name as received for unknown events. */
  name: string
  /** As Popin called it. */
  receivedName: string
  kind: 'known' | 'screen' | 'unknown' | 'webhook'
  /** The screen id of a screen-navigation event. */
  screen?: string
  data: JsonObject
  /** How many events of this name the bridge has seen before, from 0. */
  seq: number
}

export interface Problem {
  path: string
  message: string
}

export type { JsonObject, JsonValue, Scalar }
