import { it } from 'vitest'
import { bridgeFor, installFakeVendors, makeWindow } from './test/helpers'
it('dbg', () => {
  const win = makeWindow()
  const calls = installFakeVendors(win)
  const { bridge, console } = bridgeFor(win, { debug: true })
  process.stdout.write(String(win.popinEvent) + ' ' + JSON.stringify(bridge.destinations) + JSON.stringify(bridge.problems) + '\n')
  bridge.handle('nudge_show', { uid: 'u' })
  process.stdout.write(JSON.stringify(console.log.mock.calls) + JSON.stringify(calls) + '\n')
})
