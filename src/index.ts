import { presetOf } from '../adapters/config'
import { fullAdapters } from '../adapters/full'
import { createBridgeWith, type Bridge, type BridgeOptions } from './bridge'
import { toJsonSchema } from './config/json-schema'
import { createRelayChannel } from './first-party/channel'
import { urlAsksForDebug } from './debug-flag'
import type { Problem } from './config/problems'
import { checkConfig, schemaFor } from './plan/compile'
import { relayAdapters, relaySchemaFor } from './relay/adapters'
import type { BridgeConfig } from './types'

export type { Bridge, BridgeOptions } from './bridge'
export * from './public-types'
export { formatProblems } from './config/problems'

/**
 * Starts routing Popin events to Facebook Pixel, GA4, Segment and the GTM dataLayer.
 * With no config, the built-in `popin-default` preset forwards to the vendors on the page.
 * Never throws: config problems are logged once and listed in `bridge.problems`.
 *
 * @example
 * import { createBridge } from 'popin-bridge'
 * const bridge = createBridge({
 *   destinations: { facebookPixel: { pixelId: '1234567890' }, ga4: { measurementId: 'G-ABC123' } },
 * })
 * // later: bridge.destroy()
 */
export function createBridge(config?: BridgeConfig, options: Partial<BridgeOptions> = {}): Bridge {
  const bridge = createBridgeWith(config, { adapters: fullAdapters, relayChannel: createRelayChannel, ...options })
  const win = options.window ?? globalThis.window
  // ?popin_bridge_debug: the debugger overlay, a chunk of its own loaded only then.
  if (urlAsksForDebug(win)) import('./debugger/overlay').then(({ openOverlay }) => openOverlay(win), () => undefined)
  return bridge
}

/**
 * Every problem in a config, browser and relay sections alike, each with its JSON path; empty
 * when it is valid. The same verdict as the shipped JSON Schema (`popin-bridge/schema.json`).
 *
 * @example
 * validateConfig({ destinations: { ga4: { measurementId: 'UA-1' } } })
 * // [{ path: 'destinations.ga4.measurementId', message: 'must look like "G-XXXXXXX"' }]
 */
export function validateConfig(config: unknown): Problem[] {
  return checkConfig(config, relayAdapters(), relaySchemaFor())
}

/** The built-in `popin-default` preset, as JSON you can read or copy. */
export function defaultPreset(): BridgeConfig {
  const destinations = Object.fromEntries(relayAdapters().map((adapter) => [adapter.name, { ...presetOf(adapter) }]))
  return { destinations } as BridgeConfig
}

/** The JSON Schema of the config (also shipped as `popin-bridge/schema.json`). */
export function configJsonSchema(): Record<string, unknown> {
  return toJsonSchema(schemaFor(relayAdapters(), relaySchemaFor()))
}
