import type { RelayChannel, RelayChannelFactory } from './channel'

/** Where `<relayUrl>/e.js` (dist/popin-bridge.relay.min.js) puts its channel factory. */
export const CHANNEL_GLOBAL = '__popinBridgeRelayChannel'

/**
 * The drop-ins' channel: the code that reads match keys and posts to the relay is loaded from the
 * relay itself (`<relayUrl>/e.js`, first-party like the route), only on pages whose config has a
 * `relayUrl`. Events before it runs wait (bounded, with their time) and are routed by the consent
 * of the moment it runs; if it never loads, they are dropped and the page carries on.
 */
export const loadRelayChannel: RelayChannelFactory = (win, plan, env) => {
  let channel: RelayChannel | undefined
  let waiting: Parameters<RelayChannel['send']>[] | undefined = []
  const start = () => {
    channel = waiting && win[CHANNEL_GLOBAL]?.(win, plan, env)
    waiting?.forEach((args) => channel?.send(...args))
    waiting = undefined
  }
  if (win[CHANNEL_GLOBAL]) start()
  else {
    const script = win.document.createElement('script')
    script.src = `${plan.relayUrl}/e.js`
    script.onload = start
    // The page's copy of GA4 and Segment events waits for the channel: say that they are lost.
    script.onerror = () => {
      env.log.once('relay-channel', 'error', `${plan.relayUrl}/e.js could not load: ${waiting?.length ?? 0} event(s) for the relay are lost, and later ones too until the page reloads`)
      waiting = undefined
    }
    ;(win.document.head ?? win.document.documentElement).appendChild(script)
  }
  return {
    send: (event, fields, calls) => (channel ? channel.send(event, fields, calls) : waiting && waiting.length < plan.queueLimit && waiting.push([event, fields, calls, Date.now()])),
    consentChanged: () => channel?.consentChanged(),
    stop() {
      channel?.stop()
      waiting = undefined
    },
  }
}
