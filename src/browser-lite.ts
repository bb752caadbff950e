/** dist/popin-bridge.lite.min.js: the drop-in that forwards to vendors already on the page. */
import { pageAdapters } from '../adapters/index'
import { startDropIn } from './drop-in'
import { createPageBridge } from './page-bridge'
import { loadRelayChannel } from './first-party/load-channel'

startDropIn((config, consent) => createPageBridge(config, { adapters: pageAdapters, consent, relayChannel: loadRelayChannel }))
