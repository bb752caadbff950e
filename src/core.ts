/**
 * popin-bridge without default destinations: pick the adapters you use and the rest is
 * tree-shaken away.
 *
 * @example
 * import { createBridge, ga4, dataLayer } from 'popin-bridge/core'
 * createBridge({ destinations: { ga4: { measurementId: 'G-ABC123' } } }, { adapters: [ga4, dataLayer] })
 */
export { createBridgeWith as createBridge } from './bridge'
export type { Bridge, BridgeOptions } from './bridge'
export { dataLayer, facebookPixel, ga4, segment } from '../adapters/index'
export { defineAdapter } from './adapter'
/** Pass as `relayChannel` to send to the relay when the config has `relayUrl`. */
export { createRelayChannel } from './first-party/channel'
export type { Adapter, AdapterEnv, Call, VendorCall } from './adapter'
export * from './public-types'
