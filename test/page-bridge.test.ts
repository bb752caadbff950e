import { describe, expect, it } from 'vitest'
import { facebookPixel, pageAdapters } from '../adapters/index'
import { createBridgeWith } from '../src/bridge'
import { SEE_VALIDATE } from '../src/config/page-check'
import { createPageBridge } from '../src/page-bridge'
import { bridgesOfThisTest, installFakeVendors, makeConsole, makeWindow, fixIds, type TestWindow } from './helpers'

/** The drop-ins' bridge (shape check) and npm's (the schema), on the same page and config. */
const BRIDGES = {
  'the drop-ins': createPageBridge,
  npm: createBridgeWith,
} as const

function start(kind: keyof typeof BRIDGES, win: TestWindow, config: unknown) {
  const console = makeConsole()
  const bridge = BRIDGES[kind](config as never, { adapters: pageAdapters, window: win as unknown as Window, console })
  bridgesOfThisTest.push(bridge)
  return { bridge, console }
}

describe.each(Object.keys(BRIDGES) as (keyof typeof BRIDGES)[])("%s' bridge", (kind) => {
  it('takes a config with undefined values as the schema does: as if they were absent', () => {
    const win = makeWindow()
    const calls = installFakeVendors(win)
    const { bridge, console } = start(kind, win, { destinations: { ga4: { measurementId: undefined }, segment: undefined }, consent: { categories: { ga4: undefined } } })
    win.popinEvent('nudge_show', { uid: 'u-1' })
    expect(bridge.problems).toEqual([])
    expect(console.error).not.toHaveBeenCalled()
    expect(calls.gtag).toEqual([['event', 'popin_nudge_show', { popin_uid: 'u-1' }]])
    expect(calls.analytics).toEqual([['track', 'Nudge Shown', { popin_uid: 'u-1' }]])
  })

  it('reads a config once: a getter cannot pass the check with one id template and run with another', () => {
    const win = makeWindow()
    fixIds(win)
    const calls = installFakeVendors(win)
    let reads = 0
    const config = {
      get eventId() {
        return reads++ < 3 ? '{{event}}-{{occurrence}}' : 'popin'
      },
    }
    start(kind, win, config)
    win.popinEvent('popin_call_end', { uid: 'u-1', callId: 'c-1' })
    win.popinEvent('popin_call_end', { uid: 'u-1', callId: 'c-2' })
    const ids = calls.fbq.map((call) => (call[3] as { eventID: string }).eventID)
    expect(ids).toHaveLength(2)
    expect(new Set(ids).size).toBe(2)
    for (const id of ids) expect(id).toMatch(/^popin_call_end[.-]00\.[01]$/)
  })
})

describe.each(Object.keys(BRIDGES) as (keyof typeof BRIDGES)[])("%s' bridge, one destination failing", (kind) => {
  it('still hands the event to the destinations after it, and says once which one failed', () => {
    const win = makeWindow()
    const calls = installFakeVendors(win)
    const failure = new Error('a rule that cannot be made')
    const failing = {
      ...facebookPixel,
      defaultCall: () => {
        throw failure
      },
    }
    const console = makeConsole()
    const adapters = pageAdapters.map((adapter) => (adapter === facebookPixel ? failing : adapter))
    bridgesOfThisTest.push(BRIDGES[kind]({} as never, { adapters, window: win as unknown as Window, console }))
    expect(() => win.popinEvent('popin_call_end', { uid: 'u-1' })).not.toThrow()
    win.popinEvent('popin_call_end', { uid: 'u-2' })
    expect(calls.fbq).toEqual([])
    expect(calls.gtag).toEqual([
      ['event', 'popin_call_end', { popin_uid: 'u-1' }],
      ['event', 'popin_call_end', { popin_uid: 'u-2' }],
    ])
    expect(calls.analytics).toEqual([
      ['track', 'Call Ended', { popin_uid: 'u-1' }],
      ['track', 'Call Ended', { popin_uid: 'u-2' }],
    ])
    expect(console.error.mock.calls).toEqual([['[popin-bridge] internal error while handling a Popin event for facebookPixel', failure]])
  })
})

describe("the drop-ins' bridge", () => {
  it('names each problem, and the command that explains it, in one console error', () => {
    const win = makeWindow()
    installFakeVendors(win)
    const { console } = start('the drop-ins', win, { readyTimeoutMs: 'soon', destinations: { ga4: { measurementId: 'UA-1' } } })
    expect(console.error.mock.calls).toEqual([
      [`[popin-bridge] the config has 2 problem(s). Disabled until fixed: ga4.\nreadyTimeoutMs: ${SEE_VALIDATE}\ndestinations.ga4.measurementId: ${SEE_VALIDATE}`],
    ])
  })

  it('takes a template of spaces where the schema does (Segment), as the schema does', () => {
    const win = makeWindow()
    const calls = installFakeVendors(win)
    const { bridge } = start('the drop-ins', win, { extends: 'none', destinations: { segment: { events: { nudge_show: { name: 'Nudge', params: { note: { '@template': ' ' } } } } } } })
    win.popinEvent('nudge_show', { uid: 'u-1' })
    expect(bridge.problems).toEqual([])
    expect(calls.analytics).toEqual([['track', 'Nudge', { note: ' ' }]])
  })
})
