/** dist/popin-bridge.relay.min.js, served by the relay at `/e.js`: the channel the drop-ins load on demand. */
import { createRelayChannel } from './channel'
import { CHANNEL_GLOBAL } from './load-channel'

;(window as unknown as Record<string, unknown>)[CHANNEL_GLOBAL] = createRelayChannel
