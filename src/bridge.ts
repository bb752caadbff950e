import { compile } from './plan/compile'
import { startBridge, type Bridge, type BridgeOptions } from './start-bridge'
import type { BridgeConfig } from './types'

export type { Bridge, BridgeOptions } from './start-bridge'

/**
 * Creates a bridge with the given adapters: listens to Popin, maps each event with the config
 * and fans it out. Only one bridge listens per window: a new one replaces the previous one, so
 * calling it twice never sends twice.
 */
export function createBridgeWith(config: BridgeConfig | undefined, options: BridgeOptions): Bridge {
  return startBridge((hash) => compile(config, { adapters: options.adapters, side: 'browser', hash }), options)
}

