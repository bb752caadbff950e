import { compile, type Compiled, type CompileOptions } from './plan/compile'
import { startBridge, type Bridge, type BridgeOptions } from './start-bridge'
import type { BridgeConfig } from './types'

export type { Bridge, BridgeOptions } from './start-bridge'

/**
 * Creates a bridge with the given adapters: listens to Popin, maps each event with the config
 * and fans it out. Only one bridge listens per window: a new one replaces the previous one, so
 * calling it twice never sends twice.
 */
export function createBridgeWith(config: BridgeConfig | undefined, options: BridgeOptions): Bridge {
  return startBridge((hash) => safeCompile(config, { adapters: options.adapters, side: 'browser', hash }), options)
}

/** A config object can hold anything a page put there (getters that throw, proxies): never throw. */
function safeCompile(config: unknown, options: CompileOptions): Compiled {
  try {
    return compile(config, options)
  } catch (error) {
    // Nothing runs: the config may have asked for consent.
    const { plan } = compile({ extends: 'none' }, options)
    return { plan, problems: [{ path: 'config', message: `could not be read (${(error as Error)?.message ?? error})` }] }
  }
}

