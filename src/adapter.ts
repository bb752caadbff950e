import type { ConsentCategory, ConsentState } from './consent/state'
import type { Logger } from './lib/logger'
import type { DestinationConfig, MappedCall, Problem, Rule, RuleSet } from './mapping/types'

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

/** A declared destination setting: checked by `validate` and written into the JSON Schema. */
export type SettingSpec =
  | { type: 'string'; description: string; pattern?: RegExp; hint?: string }
  | { type: 'boolean'; description: string }
  | { type: 'object'; description: string }

/** One vendor call, as data: what `invoke` runs and what debug mode prints. */
export interface VendorCall {
  /** How the call reads in the page's terms, e.g. `fbq` or `analytics.track`. */
  fn: string
  args: unknown[]
}

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
  settings: Record<string, SettingSpec>
  /** The setting without which the bridge cannot load the vendor itself. */
  idSetting?: string
  /** Call kinds a rule may name; the first is the default unless `defaultCall` says otherwise. */
  calls: readonly string[]
  defaultCall?(name: string): string
  /** `never`: personal data is dropped whatever the config says. */
  personalData: 'allowed' | 'never'
  /** The consent category this destination needs by default. */
  consentCategory: ConsentCategory
  /**
   * The vendor's own consent signal for the visitor's current decisions: `default` when the
   * vendor is first used, `update` when a decision changes. Empty when there is nothing to say.
   */
  consentCalls?(consent: ConsentContext, kind: 'default' | 'update', settings: DestinationConfig<Settings>): VendorCall[]
  /** This destination's part of the built-in `popin-default` preset. */
  preset: { events: Record<string, RuleSet>; screens: Record<string, RuleSet>; webhooks?: Record<string, RuleSet> }
  /** Vendor rules a config can break, reported with their JSON path. */
  checkRule?(rule: Rule, path: string): Problem[]
  /** The vendor the page already has, or null while there is none. */
  findOnPage(settings: DestinationConfig<Settings>, env: AdapterEnv): Client | null
  /** Loads the vendor when the page has none (full builds only). */
  load?(settings: DestinationConfig<Settings>, env: AdapterEnv): Client | Promise<Client>
  /** Enforces vendor limits: returns a fixed call, or null to drop it; `note` explains in debug mode. */
  prepare?(call: MappedCall, settings: DestinationConfig<Settings>, note: (message: string) => void): MappedCall | null
  /** The vendor calls for one mapped call. Pure: no vendor is touched. */
  vendorCalls(call: MappedCall, settings: DestinationConfig<Settings>): VendorCall[]
  /** Runs one vendor call on the client; may return a promise the bridge watches for errors. */
  invoke(client: Client, call: VendorCall): unknown
}

/** Types an adapter definition, keeping its literal `name` for the config types. */
export function defineAdapter<Settings extends object, Client, Name extends string>(
  adapter: Adapter<Settings, Client> & { name: Name },
): Adapter<Settings, Client> & { name: Name } {
  return adapter
}

/** The settings type of an adapter. */
export type SettingsOf<A> = A extends Adapter<infer Settings, any> ? Settings : never
