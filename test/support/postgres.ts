import { execFile } from 'node:child_process'
import { chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs'
import { createServer, type AddressInfo } from 'node:net'
import { tmpdir, userInfo } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import pg from 'pg'
import { afterAll } from 'vitest'

export const POSTGRES_BIN = '/usr/lib/postgresql/15/bin'
const run = promisify(execFile)

let available: boolean | undefined

/**
 * Whether the PostgreSQL suites can run. Outside CI missing server binaries skip them with one
 * line on how to install them; in CI they are a failure, never a skip.
 */
export function postgresAvailable(): boolean {
  if (available !== undefined) return available
  available = existsSync(join(POSTGRES_BIN, 'initdb'))
  if (!available && process.env.CI) throw new Error(`PostgreSQL is missing at ${POSTGRES_BIN}: .ci/run must install it (apt-get install -y postgresql)`)
  if (!available) console.log(`PostgreSQL tests skipped: no server binaries in ${POSTGRES_BIN}. Install them with: apt-get update && apt-get install -y postgresql`)
  return available
}

interface Server {
  folder: string
  port: number
  admin: pg.Client
}

let server: Promise<Server> | undefined
let databases = 0

/** Runs a server binary; as root, as the postgres user (the server refuses to run as root). */
export function asPostgresUser(binary: string, args: string[]) {
  const asRoot = userInfo().uid === 0
  return asRoot ? run('runuser', ['-u', 'postgres', '--', binary, ...args]) : run(binary, args)
}

const postgres = (binary: string, args: string[]) => asPostgresUser(join(POSTGRES_BIN, binary), args)

/** A new temp folder the postgres user owns (a server's data, logs and pid files). */
export async function postgresFolder(prefix: string): Promise<string> {
  const folder = mkdtempSync(join(tmpdir(), prefix))
  if (userInfo().uid === 0) {
    const uid = Number((await run('id', ['-u', 'postgres'])).stdout)
    const gid = Number((await run('id', ['-g', 'postgres'])).stdout)
    chownSync(folder, uid, gid)
  }
  return folder
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer()
    probe.once('error', reject)
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo
      probe.close(() => resolve(port))
    })
  })
}

async function start(): Promise<Server> {
  const folder = await postgresFolder('popin-pg-')
  const data = join(folder, 'data')
  await postgres('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync'])
  const port = await freePort()
  // fsync off: the tests kill relays, never the machine under the database.
  const options = `-p ${port} -k ${folder} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off`
  await postgres('pg_ctl', ['-D', data, '-o', options, '-l', join(folder, 'log'), '-w', 'start'])
  const admin = new pg.Client({ connectionString: `postgres://postgres@127.0.0.1:${port}/postgres` })
  await admin.connect()
  return { folder, port, admin }
}

/** Starts this test file's server (once); stopped and removed after the file. */
export function startPostgres(): Promise<Server> {
  server ??= start()
  return server
}

/** A new, empty database on this file's server: its postgres:// URL. */
export async function freshPostgresDatabase(): Promise<string> {
  const { port, admin } = await startPostgres()
  const name = `relay_${++databases}`
  await admin.query(`CREATE DATABASE ${name}`)
  return `postgres://postgres@127.0.0.1:${port}/${name}`
}

afterAll(async () => {
  if (!server) return
  const { folder, admin } = await server
  server = undefined
  await admin.end()
  await postgres('pg_ctl', ['-D', join(folder, 'data'), '-m', 'fast', '-w', 'stop'])
  rmSync(folder, { recursive: true, force: true })
})
