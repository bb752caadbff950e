import { CONFIG_LIMITS } from './config/defaults'
import { pageProblems } from './config/page-check'
import { beyondLimits } from './lib/beyond-limits'
import { isPlainObject } from './lib/is-plain-object'
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
    const input = snapshot(config)
    const problems = pageProblems(input, adapters)
    return { plan: instantiate(resolve(input, problems, { adapters, side: 'browser' }), adapters, hash), problems }
  }, options)
}

/**
 * The config as JSON would have it, read once: a getter cannot answer the check one thing and the
 * plan another, and `undefined` values are absent, as the schema takes them. Too big or too deep
 * to copy: the check refuses it as it is (a getter that throws stops everything: `startBridge`).
 */
function snapshot(config: unknown): unknown {
  if (!isPlainObject(config) || beyondLimits(config, CONFIG_LIMITS)) return config
  return JSON.parse(JSON.stringify(config))
}
