import { Window } from 'happy-dom'
import { vi } from 'vitest'
import { fullAdapters } from '../adapters/full'
import type { Adapter } from '../src/adapter'
import { createBridgeWith, type Bridge } from '../src/bridge'
import type { BridgeConfig } from '../src/types'

export type TestWindow = Window & Record<string, any>

/** Every page a test made, for the suite-wide personal-data check in setup.ts. */
export const pagesOfThisTest: TestWindow[] = []

/** A fresh page at a shop URL; `html` is the body. */
export function makeWindow(url = 'https://shop.example/product/42?ref=ad', html = '<p>shop</p>'): TestWindow {
  const win = new Window({
    url,
    settings: { enableJavaScriptEvaluation: true, suppressInsecureJavaScriptEnvironmentWarning: true, disableJavaScriptFileLoading: true, disableCSSFileLoading: true, handleDisabledFileLoadingAsSuccess: true },
  }) as TestWindow
  win.document.write(`<!doctype html><html><head><title>Blue Sofa</title></head><body>${html}</body></html>`)
  pagesOfThisTest.push(win)
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

export function bridgeFor(
  win: TestWindow,
  config?: BridgeConfig,
  adapters: readonly Adapter[] = fullAdapters,
  console = makeConsole(),
): { bridge: Bridge; console: ReturnType<typeof makeConsole> } {
  const bridge = createBridgeWith(config, { adapters, window: win as unknown as globalThis.Window, console })
  return { bridge, console }
}
