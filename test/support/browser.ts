import { existsSync } from 'node:fs'
import { chromium, type Browser, type Page } from 'playwright-core'
import { expectNoPersonalData } from './personal-data'

export const CHROMIUM = '/usr/bin/chromium'
export const CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-quic', '--disable-sync']

/**
 * Whether the browser suite can run. Outside CI a missing Chromium skips it with one line on how
 * to install it; in CI a missing browser is a failure, never a skip.
 */
export function chromiumAvailable(): boolean {
  if (existsSync(CHROMIUM)) return true
  if (process.env.CI) throw new Error(`Chromium is missing at ${CHROMIUM}: .ci/run must install it (apt-get install -y chromium)`)
  console.log(`browser tests skipped: no Chromium at ${CHROMIUM}. Install it with: apt-get update && apt-get install -y chromium`)
  return false
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS })
}

/** One Chromium and one page server for a test file, closed after it. */
export function useChromiumAndPages(beforeAll: (fn: () => Promise<void>) => void, afterAll: (fn: () => Promise<void>) => void) {
  const shared = {} as { browser: Browser; server: Awaited<ReturnType<typeof import('./page-server').startPageServer>> }
  beforeAll(async () => {
    const { startPageServer } = await import('./page-server')
    shared.browser = await launchChromium()
    shared.server = await startPageServer()
  })
  afterAll(async () => {
    await shared.browser?.close()
    await shared.server?.close()
  })
  return shared
}

/**
 * What GA4 and Facebook got on a Chromium page: the Pixel's queue (fbq.queue, or a page's
 * recorder), gtag's commands in the dataLayer, and any fake vendor recorder (__fakeCalls), as
 * JSON-safe copies.
 */
export function vendorCallsOnPage(page: Page): Promise<{ ga4: unknown[]; facebook: unknown[] }> {
  return page.evaluate(() => {
    const w = window as any
    const copy = (value: unknown) => {
      try {
        return JSON.parse(JSON.stringify(value) ?? 'null')
      } catch {
        return String(value)
      }
    }
    const plain = (list: any) => Array.from(list ?? [], (args: any) => copy(typeof args === 'string' ? args : Array.from(args ?? [])))
    const layer: any[] = Array.isArray(w.dataLayer) ? w.dataLayer : []
    return {
      ga4: [...plain(w.__fakeCalls?.gtag), ...plain(layer.filter((entry) => entry && typeof entry !== 'string' && typeof entry.length === 'number'))],
      facebook: [...plain(w.__fakeCalls?.fbq), ...plain(w.fbq?.queue), ...plain(w._fbq && w._fbq !== w.fbq ? w._fbq.queue : [])],
    }
  })
}

/** The suite's personal-data check on a Chromium page: call it before the page closes. */
export async function expectNoPersonalDataOnPage(page: Page): Promise<void> {
  const { ga4, facebook } = await vendorCallsOnPage(page)
  expectNoPersonalData('GA4 (Chromium page)', ga4)
  expectNoPersonalData('Facebook (Chromium page)', facebook)
}
