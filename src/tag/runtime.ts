/**
 * The compiled tag's runtime (dist/tag-runtime.js): the bridge without a config reader or a
 * validator. `popin-bridge build` puts in the plan and the destinations it uses, and the
 * minifier drops everything else (src/tag/build.ts).
 */
import type { Adapter } from '../adapter'
import { startDropIn } from '../drop-in'
import { RELAYS } from '../lib/tag-features'
import { loadRelayChannel } from '../first-party/load-channel'
import { instantiate } from '../plan/instantiate'
import type { PlanSource } from '../plan/plan'
import { startBridge } from '../start-bridge'

declare const __TAG_PLAN__: PlanSource
declare const __TAG_ADAPTERS__: readonly Adapter[]

const adapters = __TAG_ADAPTERS__

startDropIn(
  (_config, consent) =>
    startBridge((hash) => ({ plan: instantiate(__TAG_PLAN__, adapters, hash), problems: [] }), {
      adapters,
      consent,
      ...(RELAYS ? { relayChannel: loadRelayChannel } : {}),
    }),
)

// Every destination stays in dist/tag-runtime.js, under its own name: the build picks.
export * from '../../adapters/index'
