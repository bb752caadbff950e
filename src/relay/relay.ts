import { createHash, timingSafeEqual } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { pageAdapters } from '../../adapters/index'
import { serverAdapters } from '../../adapters/server'
import { isPlainObject } from '../lib/is-plain-object'
import type { JsonObject } from '../lib/json'
import type { Logger } from '../lib/logger'
import { formatProblems, resolveConfig } from '../mapping/config'
import { readPageContext } from '../mapping/context'
import { mapEvent } from '../mapping/map-event'
import { parsePopinTimestamp } from './popin-time'
import { createMetrics } from './metrics'
import { withWebhookPreset, type RelaySettings } from './server-adapter'
import { relaySettings, validateRelay } from './settings'
import { openStore, type IncomingWebhook, type OutboxEntry } from './store'
import { idempotencyKey, webhookEvent } from './webhook'
import { startWorker, type ActiveServerDestination } from './worker'

export const WEBHOOK_PATH = '/webhooks/popin'
export const MAX_BODY_BYTES = 256 * 1024
export const API_KEY_ENV = 'POPIN_BRIDGE_POPIN_API_KEY'

export interface RelayOptions {
  /** Overrides of the config's `relay` section (CLI flags). */
  overrides?: Partial<RelaySettings>
  /** Where secrets are read; defaults to process.env. */
  env?: Record<string, string | undefined>
  log: Logger
}

export class RelayConfigError extends Error {}

/**
 * Starts the webhook relay: `POST /webhooks/popin` stores each webhook with one outbox row per
 * destination call, in one transaction, then answers 200; a worker forwards the rows.
 * `GET /healthz`, `GET /metrics`. Throws RelayConfigError when the config cannot run.
 */
export async function startRelay(config: unknown, { overrides, env = process.env, log }: RelayOptions) {
  const resolved = resolveConfig(config, relayAdapters())
  const problems = [...resolved.problems]
  if (isPlainObject(config) && config.relay !== undefined) problems.push(...validateRelay(config.relay, serverAdapters.map((s) => s.browser.name)))
  if (problems.length) throw new RelayConfigError(`the config has ${problems.length} problem(s):\n${formatProblems(problems)}`)
  const settings = relaySettings(config as Record<string, unknown>, overrides)
  const apiKey = env[API_KEY_ENV]
  if (!apiKey && !settings.allowMissingApiKey) {
    throw new RelayConfigError(`set ${API_KEY_ENV} to the API key entered in Popin's webhook settings (or set relay.allowMissingApiKey for Popin's "." setting)`)
  }

  const active = new Map<string, ActiveServerDestination>()
  for (const destination of resolved.destinations) {
    const server = serverAdapters.find((s) => s.browser.name === destination.adapter.name)
    if (!server) continue
    const secrets = Object.fromEntries(Object.entries(server.secrets).map(([name, variable]) => [name, env[variable]]))
    const why = server.misconfigured?.(destination.config, secrets)
    if (why) log.warn(`relay: ${destination.adapter.name} is off: ${why}`)
    else active.set(destination.adapter.name, { server, secrets: secrets as Record<string, string> })
  }
  const routes = resolved.destinations.filter((d) => active.has(d.adapter.name))


  const store = openStore(settings.database)
  const metrics = createMetrics()
  const worker = startWorker(store, active, settings, metrics, log)
  const expectedKey = apiKey ? digest(apiKey) : undefined

  /** The outbox rows of one webhook: each active destination's calls, as stored requests. */
  const outboxEntries = (body: JsonObject, key: string, receivedAt: number): OutboxEntry[] => {
    const event = webhookEvent(body, settings.timeZone)
    const eventTime = parsePopinTimestamp(body.timestamp) ?? new Date(receivedAt)
    const entries: OutboxEntry[] = []
    for (const { adapter, config: section } of routes) {
      const { server } = active.get(adapter.name)!
      const mapped = mapEvent(adapter, section, event, {
        page: readPageContext(undefined),
        eventIdTemplate: settings.eventIdTemplate,
        // Retries and redeliveries must keep the same id: derive the "unique" part from the webhook.
        uniqueSuffix: () => key.slice(0, 16),
      })
      if ('reason' in mapped) continue
      mapped.forEach((call, seq) => {
        try {
          entries.push({ destination: adapter.name, seq, eventTime: eventTime.getTime(), request: server.request(call, { settings: section, relay: settings, eventTime, idempotencyKey: key, index: seq }) })
        } catch (error) {
          entries.push({ destination: adapter.name, seq, eventTime: eventTime.getTime(), request: { url: '', headers: {}, body: null }, deadReason: `could not build the request: ${(error as Error).message}` })
        }
      })
    }
    return entries
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: Error) => {
      log.error('relay: request failed', error)
      if (!res.headersSent) reply(res, 500, { error: 'internal error' })
    })
  })

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const path = (req.url ?? '/').split('?')[0]
    if (req.method === 'GET' && path === '/healthz') return reply(res, 200, { status: 'ok', outbox: store.counts() })
    if (req.method === 'GET' && path === '/metrics') {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(metrics.render(store.counts()))
      return
    }
    if (path !== WEBHOOK_PATH) return reply(res, 404, { error: 'not found' })
    if (req.method !== 'POST') return reply(res, 405, { error: 'use POST' })
    if (!authorized(req.headers['x-api-key'])) {
      metrics.inc('popin_relay_rejected_total', { reason: 'auth' })
      req.resume()
      return reply(res, 401, { error: 'missing or wrong X-API-KEY' })
    }
    if (!/^application\/([\w.+-]+\+)?json\b/i.test(req.headers['content-type'] ?? '')) {
      metrics.inc('popin_relay_rejected_total', { reason: 'media_type' })
      req.resume()
      return reply(res, 415, { error: 'send JSON with Content-Type: application/json' })
    }
    const text = await readBody(req, MAX_BODY_BYTES)
    if (text === undefined) {
      metrics.inc('popin_relay_rejected_total', { reason: 'too_large' })
      return reply(res, 413, { error: `body over ${MAX_BODY_BYTES} bytes` }, true)
    }
    let body: unknown
    try {
      body = JSON.parse(text)
    } catch (error) {
      metrics.inc('popin_relay_rejected_total', { reason: 'json' })
      return reply(res, 400, { error: `body is not valid JSON: ${(error as Error).message}` })
    }
    if (!isPlainObject(body) || typeof body.event !== 'string' || body.event.trim() === '') {
      metrics.inc('popin_relay_rejected_total', { reason: 'no_event' })
      return reply(res, 400, { error: 'body must be a JSON object with an "event" string' })
    }
    const now = Date.now()
    const key = idempotencyKey(body)
    metrics.inc('popin_relay_received_total')
    const outcome = await commit({ key, event: body.event, body: text, receivedAt: now, entries: outboxEntries(body as JsonObject, key, now) })
    if (outcome === 'duplicate') metrics.inc('popin_relay_duplicates_total')
    reply(res, 200, { status: outcome, id: key })
  }

  // Group commit: webhooks that arrive in the same turn of the event loop share one transaction,
  // and each is acknowledged only once that transaction is on disk.
  let batch: { webhook: IncomingWebhook; resolve: (outcome: 'stored' | 'duplicate') => void; reject: (error: unknown) => void }[] = []
  const commit = (webhook: IncomingWebhook) =>
    new Promise<'stored' | 'duplicate'>((resolve, reject) => {
      if (batch.length === 0) setImmediate(flush)
      batch.push({ webhook, resolve, reject })
    })
  function flush() {
    const waiting = batch
    batch = []
    try {
      const outcomes = store.accept(waiting.map((w) => w.webhook))
      waiting.forEach((w, i) => w.resolve(outcomes[i] as 'stored' | 'duplicate'))
      worker.poke()
    } catch (error) {
      for (const w of waiting) w.reject(error)
    }
  }

  function authorized(header: string | string[] | undefined): boolean {
    if (!expectedKey) return true
    return typeof header === 'string' && timingSafeEqual(digest(header), expectedKey)
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(settings.port, settings.host, resolve)
  })
  const { address, port } = server.address() as AddressInfo
  log.warn(`relay: listening on http://${address}:${port}${WEBHOOK_PATH}; forwarding to ${[...active.keys()].join(', ') || 'no destination'}`)

  return {
    url: `http://${address}:${port}`,
    store,
    metrics,
    /** Stops accepting, lets deliveries in flight finish, closes the database. */
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeIdleConnections()
      })
      await worker.stop()
      store.close()
    },
  }
}

export type Relay = Awaited<ReturnType<typeof startRelay>>

/** Every destination of the config; those with a server API carry their webhook preset. */
function relayAdapters() {
  return pageAdapters.map((adapter) => {
    const server = serverAdapters.find((s) => s.browser.name === adapter.name)
    return server ? withWebhookPreset(server) : adapter
  })
}

/** Makes every dead letter due again (the running relay picks them up); returns how many. */
export function replayDeadLetters(config: unknown, overrides: Partial<RelaySettings> = {}): number {
  const store = openStore(relaySettings((isPlainObject(config) ? config : {}) as Record<string, unknown>, overrides).database)
  try {
    return store.replayDead(Date.now())
  } finally {
    store.close()
  }
}

/** Equal-length digests, so the comparison takes the same time whatever was sent. */
function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest()
}

function reply(res: ServerResponse, status: number, body: unknown, close = false) {
  res.writeHead(status, { 'content-type': 'application/json', ...(close ? { connection: 'close' } : {}) }).end(JSON.stringify(body))
}

/** The body as text, or undefined once it passes `limit` bytes (the rest is not read). */
function readBody(req: IncomingMessage, limit: number): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > limit) {
        resolve(undefined)
        req.pause()
        return
      }
      chunks.push(chunk)
    })
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    req.on('error', reject)
  })
}
