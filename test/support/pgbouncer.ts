import { execFile } from 'node:child_process'
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import pg from 'pg'
import { afterAll } from 'vitest'
import { asPostgresUser, freePort, postgresFolder } from './postgres'

export const PGBOUNCER = '/usr/sbin/pgbouncer'

/** Whether PgBouncer is installed; in CI a missing one is a failure, never a skip. */
export function pgBouncerAvailable(): boolean {
  const available = existsSync(PGBOUNCER)
  if (!available && process.env.CI) throw new Error(`PgBouncer is missing at ${PGBOUNCER}: .ci/run must install it (apt-get install -y pgbouncer)`)
  if (!available) console.log(`PgBouncer tests skipped: install it with: apt-get update && apt-get install -y pgbouncer`)
  return available
}

let bouncer: Promise<{ folder: string; port: number }> | undefined

/**
 * PgBouncer in transaction mode in front of the PostgreSQL server on `postgresPort`, with fewer
 * server connections than the relays' pools hold, so that their transactions share connections.
 * Started once per test file, stopped after it. Returns a function turning a direct URL into one
 * through PgBouncer (same database).
 */
export async function startPgBouncer(postgresPort: number): Promise<(url: string) => string> {
  bouncer ??= (async () => {
    const folder = await postgresFolder('popin-pgbouncer-')
    const port = await freePort()
    writeFileSync(join(folder, 'users.txt'), '"postgres" ""\n')
    writeFileSync(
      join(folder, 'pgbouncer.ini'),
      [
        '[databases]',
        `* = host=127.0.0.1 port=${postgresPort}`,
        '[pgbouncer]',
        `listen_addr = 127.0.0.1`,
        `listen_port = ${port}`,
        `unix_socket_dir =`,
        'auth_type = trust',
        `auth_file = ${join(folder, 'users.txt')}`,
        'admin_users = postgres',
        'pool_mode = transaction',
        'default_pool_size = 3',
        'max_client_conn = 200',
        `logfile = ${join(folder, 'log')}`,
        `pidfile = ${join(folder, 'pid')}`,
      ].join('\n'),
    )
    await asPostgresUser(PGBOUNCER, ['-d', join(folder, 'pgbouncer.ini')])
    await acceptsConnections(port)
    return { folder, port }
  })()
  const { port } = await bouncer
  return (url) => {
    const through = new URL(url)
    through.port = String(port)
    return through.toString()
  }
}

/** Waits until its admin console answers (it daemonizes before it may listen). */
async function acceptsConnections(port: number) {
  for (let tries = 0; ; tries++) {
    const client = new pg.Client({ connectionString: `postgres://postgres@127.0.0.1:${port}/pgbouncer` })
    try {
      await client.connect()
      await client.end()
      return
    } catch (error) {
      if (tries >= 100) throw error
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }
}

afterAll(async () => {
  if (!bouncer) return
  const { folder } = await bouncer
  bouncer = undefined
  const pid = Number(readFileSync(join(folder, 'pid'), 'utf8'))
  process.kill(pid, 'SIGTERM')
  await promisify(execFile)('sh', ['-c', `while kill -0 ${pid} 2>/dev/null; do sleep 0.05; done`])
  rmSync(folder, { recursive: true, force: true })
})
