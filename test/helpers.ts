import { Window } from 'happy-dom'
import { vi } from 'vitest'
import { fullAdapters } from '../adapters/full'
import type { Adapter } from '../src/adapter'
import { createBridgeWith, type Bridge } from '../src/bridge'
import type { BridgeConfig } from '../src/types'
import { testRunning } from './support/scope'

export type TestWindow = Window & Record<string, any>

/**
 * Every page made by `makeWindow`, for test/setup.ts: it checks them for personal data after each
 * test, then closes those of the test; those made outside a test (a beforeAll, the file's top
 * level) are checked after each test and closed after the file.
 */
export const pagesOfThisTest: TestWindow[] = []
export const pagesOfThisFile: TestWindow[] = []

/** A fresh page at a shop URL; `html` is the body. Closed after the test (see above). */
export function makeWindow(url = 'https://shop.example/product/42?ref=ad', html = '<p>shop</p>'): TestWindow {
  const win = new Window({
    url,
    settings: { enableJavaScriptEvaluation: true, suppressInsecureJavaScriptEnvironmentWarning: true, disableJavaScriptFileLoading: true, disableCSSFileLoading: true, handleDisabledFileLoadingAsSuccess: true },
  }) as TestWindow
  win.document.write(`<!doctype html><html><head><title>Blue Sofa</title></head><body>${html}</body></html>`)
  ;(testRunning() ? pagesOfThisTest : pagesOfThisFile).push(win)
  return win
}

/** A console whose every line is recorded. */
export function makeConsole() {
  return { log: vi.fn(), warn: vi.fn(), error: vi.fn() }
}

/** Fake vendors shaped like the real ones, recording every call as an array. */
export function installFakeVendors(win: TestWindow) {
  const calls = { fbq: [] as unknown[][], gtag: [] as unknown[][], analytics: [] as unknown[][] }
  win.fbq = (...args: unknown[]) => void calls.fbq.push(args)
  win.gtag = (...args: unknown[]) => void calls.gtag.push(args)
  win.analytics = {
    track: (...args: unknown[]) => void calls.analytics.push(['track', ...args]),
    identify: (...args: unknown[]) => void calls.analytics.push(['identify', ...args]),
    page: (...args: unknown[]) => void calls.analytics.push(['page', ...args]),
  }
  win.dataLayer = []
  win.__fakeCalls = calls
  return calls
}

/** Every bridge a test started, destroyed after it by test/setup.ts. */
export const bridgesOfThisTest: Bridge[] = []

export function bridgeFor(
  win: TestWindow,
  config?: BridgeConfig,
  adapters: readonly Adapter[] = fullAdapters,
  console = makeConsole(),
): { bridge: Bridge; console: ReturnType<typeof makeConsole> } {
  const bridge = createBridgeWith(config, { adapters, window: win as unknown as globalThis.Window, console })
  bridgesOfThisTest.push(bridge)
  return { bridge, console }
}

/**
 * Makes the page's random token "00" (two zero words), so occurrence ids read `<event>.00.<n>`,
 * n counting every occurrence the bridge handles, from 0.
 */
export function fixIds(win: TestWindow) {
  vi.spyOn(win.crypto, 'getRandomValues').mockImplementation(<T extends ArrayBufferView | null>(array: T): T => {
    ;(array as unknown as Uint32Array).fill(0)
    return array
  })
}
