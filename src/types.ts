import type { pageAdapters } from '../adapters/index'
import type { ConfigInput } from './config/schema'
import type { RelayConfig } from './relay/settings'

/** The bridge's JSON config, inferred from its schema. Every key is optional: `{}` runs the built-in preset. */
export type BridgeConfig = ConfigInput<typeof pageAdapters> & {
  /** The webhook relay's settings; browsers ignore them. */
  relay?: RelayConfig
}

/** Each destination's section: its own settings plus `enabled`, `load`, `events`, `screens`, `webhooks`. */
export type DestinationsConfig = NonNullable<BridgeConfig['destinations']>
