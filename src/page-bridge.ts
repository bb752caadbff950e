import { pageProblems } from './config/page-check'
import { instantiate } from './plan/instantiate'
import { resolve } from './plan/resolve'
import { startBridge, type Bridge, type BridgeOptions } from './start-bridge'
import type { BridgeConfig } from './types'

/**
 * The drop-ins' bridge: the config is checked by shape only (src/config/page-check.ts), so no
 * validator ships in the page; `npx popin-bridge validate` says what a problem is.
 */
export function createPageBridge(config: BridgeConfig | undefined, options: BridgeOptions): Bridge {
  const { adapters } = options
  return startBridge((hash) => {
    const problems = pageProblems(config, adapters)
    return { plan: instantiate(resolve(config, problems, { adapters, side: 'browser' }), adapters, hash), problems }
  }, options)
}
