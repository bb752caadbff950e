/**
 * The compiled tag's runtime (dist/tag-runtime.js): the bridge without a config reader or a
 * validator. `popin-bridge build` puts in the plan and the destinations it uses, and the
 * minifier drops everything else (src/tag/build.ts).
 */
import type { Adapter } from '../adapter'
import { startDropIn } from '../drop-in'
import { RELAYS } from '../lib/tag-features'
import { loadRelayChannel } from '../first-party/load-channel'
import type { Plan } from '../plan/plan'
import type { Hash } from '../privacy/policy'
import { startBridge } from '../start-bridge'

/** The plan, as code that builds it (src/tag/plan-code.ts). */
declare const __TAG_PLAN__: (hash: Hash) => Plan
declare const __TAG_ADAPTERS__: readonly Adapter[]

const adapters = __TAG_ADAPTERS__

startDropIn(
  (_config, consent) =>
    startBridge((hash) => ({ plan: __TAG_PLAN__(hash), problems: [] }), {
      adapters,
      consent,
      ...(RELAYS ? { relayChannel: loadRelayChannel } : {}),
    }),
)

// Every destination stays in dist/tag-runtime.js, under its own name: the build picks; and so
// does every function the plan's code calls (src/tag/plan-code.ts).
export * from '../../adapters/index'
export { constantReader, objectReader, pageReader, pathReader, templateReader } from '../plan/readers'
export { defaultEventId, eventIdReader } from '../plan/instantiate'
