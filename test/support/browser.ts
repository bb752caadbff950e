import { existsSync } from 'node:fs'
import { chromium, type Browser } from 'playwright-core'

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
