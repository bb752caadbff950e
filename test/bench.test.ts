import { readFileSync } from 'node:fs'
import { describe, expect, it, vi } from 'vitest'
import { callProblems } from '../bench/check-calls.mjs'
import { CONFIG, PRESET_CALLS, SESSION } from '../bench/session.mjs'
import { fixIds, installFakeVendors, makeWindow, type TestWindow } from './helpers'

describe('the benchmark', () => {
  it('accepts a batch only when each vendor got exactly its calls per session times the sessions', () => {
    expect(callProblems({ fbq: 10, gtag: 20, fetch: 0 }, { fbq: 1, gtag: 2 }, 10)).toEqual([])
    expect(callProblems({ fbq: 9, gtag: 21, fetch: 3 }, { fbq: 1, gtag: 2 }, 10)).toEqual([
      'fbq: 9 calls, expected 10',
      'gtag: 21 calls, expected 20',
      'fetch: 3 calls, expected 0',
    ])
    expect(callProblems({ fbq: 0, gtag: 0 }, { fbq: 5 }, 2)).toEqual(['fbq: 0 calls, expected 10'])
  })

  it('has a floor that makes popin-bridge’s calls for the preset, argument for argument, and PRESET_CALLS counts them', () => {
    const play = (win: TestWindow, source: string) => {
      const calls = installFakeVendors(win)
      win.popinBridgeConfig = CONFIG
      win.eval(source)
      for (let s = 0; s < 2; s++) for (const [event, data] of SESSION) win.popinEvent(event, { ...data })
      return { ...calls, dataLayer: win.dataLayer as unknown[] }
    }
    const bridgeWin = makeWindow()
    fixIds(bridgeWin)
    const bridge = play(bridgeWin, readFileSync(`${__dirname}/../dist/popin-bridge.lite.min.js`, 'utf8'))
    const floorWin = makeWindow()
    // The floor's token, made the bridge's fixed one ("00") below.
    vi.spyOn(floorWin.Math, 'random').mockReturnValue(0.123456789)
    const floor = play(floorWin, readFileSync(`${__dirname}/../bench/peers/floor.js`, 'utf8'))

    expect(JSON.parse(JSON.stringify(floor).replace(/123456789\./g, '00.'))).toEqual(bridge)
    const perVendor = Object.fromEntries(Object.entries(bridge).map(([vendor, calls]) => [vendor, calls.length / 2]))
    expect(perVendor).toEqual(PRESET_CALLS)
  })
})
