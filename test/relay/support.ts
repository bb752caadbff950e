import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, vi } from 'vitest'
import { startRelay, type Relay } from '../../src/relay/relay'
import { startFakeDestinations } from '../support/fake-destinations'

export const SECRETS = {
  POPIN_BRIDGE_POPIN_API_KEY: 'popin-shared-key',
  POPIN_BRIDGE_META_ACCESS_TOKEN: 'meta-token',
  POPIN_BRIDGE_GA4_API_SECRET: 'ga4-secret',
  POPIN_BRIDGE_SEGMENT_WRITE_KEY: 'segment-write-key',
}

/** The test relays' `relay.timeZone`: Popin's timestamps without an offset are read in it. */
export const TIME_ZONE = 'Asia/Kolkata'

/**
 * A recent Popin-style timestamp ("YYYY-MM-DD HH:MM:SS", wall-clock time in TIME_ZONE, whole
 * minutes), so age windows hold whenever tests run.
 */
export function recentTimestamp(): { text: string; date: Date } {
  const date = new Date(Math.floor(Date.now() / 60_000) * 60_000 - 10 * 60_000)
  const wall = new Intl.DateTimeFormat('en-US', { timeZone: TIME_ZONE, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' })
  const part = Object.fromEntries(wall.formatToParts(date).map(({ type, value }) => [type, value]))
  return { text: `${part.year}-${part.month}-${part.day} ${part.hour}:${part.minute}:${part.second}`, date }
}

export function relayConfig(database: string, endpoints: Record<string, string>, relay: Record<string, unknown> = {}) {
  return {
    destinations: { facebookPixel: { pixelId: '1234567890' }, ga4: { measurementId: 'G-TEST1234' } },
    relay: { port: 0, database, timeZone: TIME_ZONE, endpoints, retryBaseMs: 20, requestTimeoutMs: 400, ...relay },
  }
}

// Every folder tempDatabase made is removed once the test file is done (relays closed by then).
const folders: string[] = []
afterAll(() => {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true })
})

/** A database path in a new temporary folder, removed after the test file. */
export function tempDatabase(): string {
  const folder = mkdtempSync(join(tmpdir(), 'popin-relay-'))
  folders.push(folder)
  return join(folder, 'relay.db')
}

export const quietLog = () => ({ debugEnabled: false, debug: vi.fn(), warn: vi.fn(), error: vi.fn(), once: vi.fn(() => true) })

/** A relay on 127.0.0.1 forwarding to fake destinations, and a Popin-like client. */
export async function startTestRelay(relayOptions: Record<string, unknown> = {}, configPatch: (config: any) => any = (c) => c, secrets: Record<string, string> = {}) {
  const fakes = await startFakeDestinations()
  const database = tempDatabase()
  const log = quietLog()
  const relay: Relay = await startRelay(configPatch(relayConfig(database, fakes.endpoints, relayOptions)), { env: { ...SECRETS, ...secrets }, log })
  const post = (body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${relay.url}/webhooks/popin`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': SECRETS.POPIN_BRIDGE_POPIN_API_KEY, ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    })
  return {
    relay,
    fakes,
    post,
    log,
    database,
    async close() {
      await relay.close()
      await fakes.close()
    },
  }
}
