/** dist/popin-bridge.min.js: the drop-in that can load each vendor itself. */
import { fullAdapters } from '../adapters/full'
import { startDropIn } from './drop-in'
import { createPageBridge } from './page-bridge'
import { loadRelayChannel } from './first-party/load-channel'

startDropIn((config, consent) => createPageBridge(config, { adapters: fullAdapters, consent, relayChannel: loadRelayChannel }))
