import type { pageAdapters } from '../adapters/index'
import type { SettingsOf } from './adapter'
import type { GlobalConfig } from './mapping/config'
import type { DestinationConfig } from './mapping/types'
import type { RelayConfig } from './relay/settings'

/** Each destination's section: its own settings plus `enabled`, `load`, `events`, `screens`. */
export type DestinationsConfig = {
  [A in (typeof pageAdapters)[number] as A['name']]?: DestinationConfig<SettingsOf<A>> | null
}

/** The bridge's JSON config. Every key is optional: `{}` runs the built-in preset. */
export interface BridgeConfig extends GlobalConfig {
  destinations?: DestinationsConfig
  /** The webhook relay's settings; browsers ignore them. */
  relay?: RelayConfig
}
