import vm from 'node:vm'
import { describe, expect, it } from 'vitest'
import { compiledTag } from './support/compiled-tags'

// What a tag does while the page loads, every page view pays (README, "Start-up"): in Chromium a
// regular expression's first run compiled it (~30 µs each), the first `document.body` made the
// body's wrapper (0.1 ms), the first `crypto.getRandomValues` took 0.1-0.2 ms. None of them now
// happens before Popin's first event.
describe('the compiled tag at start-up', () => {
  it('runs no regular expression, reads no document.body and draws no random value until the first event', async () => {
    const source = await compiledTag({})
    const seen = { regexRuns: [] as string[], bodyReads: 0, randomDraws: 0, calls: [] as unknown[][] }
    const record = (vendor: string) => (...args: unknown[]) => void seen.calls.push([vendor, ...args])
    const dataLayer: unknown[] = []
    dataLayer.push = record('dataLayer') as never
    const page = {
      document: {
        readyState: 'complete',
        currentScript: null,
        get body() {
          seen.bodyReads++
          return {}
        },
        addEventListener() {},
        removeEventListener() {},
      },
      crypto: { getRandomValues: (array: Uint32Array) => (seen.randomDraws++, array.fill(7)) },
      console,
      fbq: record('fbq'),
      gtag: record('gtag'),
      analytics: { track: record('analytics.track'), identify: record('analytics.identify'), page: record('analytics.page') },
      dataLayer,
      setTimeout,
      clearTimeout,
      seen,
    }
    const context = vm.createContext(page)
    vm.runInContext('window = globalThis', context)
    // Every use of a regular expression goes through `exec` once the prototype's is replaced.
    vm.runInContext('const exec = RegExp.prototype.exec; RegExp.prototype.exec = function (text) { seen.regexRuns.push(this.source); return exec.call(this, text) }', context)

    vm.runInContext(source, context)
    expect(seen).toMatchObject({ regexRuns: [], bodyReads: 0, randomDraws: 0, calls: [] })

    vm.runInContext("window.popinEvent('popin_call_end', { uid: 'u-1', callId: 'call-77', invited: false })", context)
    expect(seen.randomDraws).toBe(1)
    expect(seen.regexRuns.length).toBeGreaterThan(0)
    expect(seen.calls.map(([vendor, first]) => `${vendor} ${String(first)}`)).toEqual([
      'fbq track',
      'gtag event',
      'analytics.track Call Ended',
      'dataLayer [object Object]',
      'dataLayer [object Object]',
    ])
  })
})
