import { spawn, type ChildProcess } from 'node:child_process'
import Database from 'libsql'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { afterAll, afterEach, beforeAll, beforeEach, describe, vi } from 'vitest'
import { startRelay, type Relay } from '../../src/relay/relay'
import { isPostgresUrl } from '../../src/relay/store'
import { startFakeDestinations } from '../support/fake-destinations'
import { freshPostgresDatabase, postgresAvailable, startPostgres } from '../support/postgres'

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

export type Engine = 'sqlite' | 'postgres'
let engine: Engine = 'sqlite'

/**
 * Runs a suite once on each storage engine: its tests' databases (testDatabase, startTestRelay)
 * are SQLite files, then PostgreSQL databases on a server this test file starts.
 */
export function onEachEngine(suite: (engine: Engine) => void) {
  for (const each of ['sqlite', 'postgres'] as const) {
    describe.skipIf(each === 'postgres' && !postgresAvailable())(`on ${each}`, () => {
      // Started before the first test, so its time does not count against that test's timeout.
      if (each === 'postgres') beforeAll(async () => void (await startPostgres()), 20_000)
      beforeEach(() => void (engine = each))
      afterEach(() => void (engine = 'sqlite'))
      suite(each)
    })
  }
}

/** A new empty database of the current engine: a SQLite path, or a postgres:// URL. */
export const testDatabase = (): Promise<string> => (engine === 'postgres' ? freshPostgresDatabase() : Promise.resolve(tempDatabase()))

/** Rows of a query run straight on a test database, whichever the engine. */
export async function queryDatabase<Row>(database: string, sql: string): Promise<Row[]> {
  if (isPostgresUrl(database)) {
    const client = new pg.Client({ connectionString: database })
    await client.connect()
    try {
      return (await client.query(sql)).rows as Row[]
    } finally {
      await client.end()
    }
  }
  const db = new Database(database)
  try {
    return db.prepare(sql).all() as Row[]
  } finally {
    db.close()
  }
}

export const inboxCount = async (database: string): Promise<number> => Number((await queryDatabase<{ n: number | string }>(database, 'SELECT COUNT(*) AS n FROM inbox'))[0]!.n)

export const quietLog = () => ({ debugEnabled: false, debug: vi.fn(), warn: vi.fn(), error: vi.fn(), once: vi.fn(() => true) })

/** A relay on 127.0.0.1 forwarding to fake destinations, and a Popin-like client. */
export async function startTestRelay(relayOptions: Record<string, unknown> = {}, configPatch: (config: any) => any = (c) => c, secrets: Record<string, string> = {}) {
  const fakes = await startFakeDestinations()
  const database = (relayOptions.database as string | undefined) ?? (await testDatabase())
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

export interface RelayProcess {
  child: ChildProcess
  url: string
  exited: Promise<number | null>
}

/** Starts `popin-bridge relay` (dist/cli.js) as its own process, noted in `children` for cleanup; resolves with its webhook URL. */
export function startRelayProcess(configFile: string, children: ChildProcess[]): Promise<RelayProcess> {
  const child = spawn(process.execPath, [join(__dirname, '../../dist/cli.js'), 'relay', '--config', configFile], { env: { ...process.env, ...SECRETS }, stdio: ['ignore', 'pipe', 'pipe'] })
  children.push(child)
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  return new Promise((resolve, reject) => {
    let output = ''
    child.stdout!.on('data', (chunk) => {
      output += chunk
      const match = /Popin webhook URL (\S+)/.exec(output)
      if (match) resolve({ child, url: match[1] as string, exited })
    })
    child.stderr!.on('data', (chunk) => (output += chunk))
    child.on('exit', () => reject(new Error(`relay exited: ${output}`)))
  })
}
