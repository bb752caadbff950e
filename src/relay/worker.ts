import http from 'node:http'
import https from 'node:https'
import type { Logger } from '../lib/logger'
import type { Metrics } from './metrics'
import type { ServerSender } from '../adapter'
import type { RelaySettings } from './settings'
import type { Delivery, Settled, Store } from './store'

export interface ActiveServerDestination {
  server: ServerSender
  secrets: Record<string, string>
}

const BATCH = 32
const IDLE_MS = 200
const MAX_DELAY_MS = 3600 * 1000

/**
 * Sends due deliveries: 2xx is done; 408, 429, 5xx, timeouts and network errors are retried
 * with exponential backoff and full jitter (or the vendor's Retry-After); any other 4xx, an
 * event past the vendor's age window, or the last attempt goes to the dead letters with the reason.
 */
export function startWorker(store: Store, destinations: Map<string, ActiveServerDestination>, settings: RelaySettings, metrics: Metrics, log: Logger) {
  let running = true
  let wake: (() => void) | undefined
  let timer: ReturnType<typeof setTimeout> | undefined
  const failures = new Set<string>()
  // Outcomes whose settle failed: recorded first on the next turn, so their rows neither stay
  // leased until a restart nor get sent again.
  let unrecorded: Settled[] = []

  const loop = (async () => {
    while (running) {
      let full = false
      try {
        full = (await turn()) === BATCH
      } catch (error) {
        // A locked or full database must not end delivery for good: say so once, wait, try again.
        const message = (error as Error)?.message ?? String(error)
        if (!failures.has(message)) log.error(`relay: delivery loop failed, retrying: ${message}`, error)
        failures.add(message)
      }
      if (!full && running) {
        await new Promise<void>((resolve) => {
          wake = resolve
          timer = setTimeout(resolve, IDLE_MS)
        })
      }
    }
  })()

  /** Claims, delivers and records one batch; returns how many were due. */
  async function turn(): Promise<number> {
    if (unrecorded.length) await store.settle(unrecorded)
    unrecorded = []
    const due = await store.claimDue(Date.now(), BATCH)
    if (due.length) {
      unrecorded = await Promise.all(due.map(deliver))
      await store.settle(unrecorded)
      unrecorded = []
    }
    return due.length
  }

  async function deliver(delivery: Delivery): Promise<Settled> {
    const label = { destination: delivery.destination }
    const { id } = delivery
    const active = destinations.get(delivery.destination)
    const now = Date.now()
    if (!active) {
      // Switched off since the row was stored (secret removed): waiting would never end.
      metrics.inc('popin_relay_dead_lettered_total', label)
      return { id, status: 'dead', nextAt: now, at: now, error: `${delivery.destination} is not configured in this relay` }
    }
    const { server, secrets } = active
    if (server.maxAgeMs !== undefined && now - delivery.eventTime > server.maxAgeMs) {
      metrics.inc('popin_relay_dead_lettered_total', label)
      return { id, status: 'dead', nextAt: now, at: now, error: `older than ${server.maxAgeMs / 3600000} hours: ${delivery.destination} refuses events that old` }
    }
    const outcome = await send(() => server.authorize(delivery.request, secrets), server, settings.requestTimeoutMs)
    const at = Date.now()
    if (outcome.ok) {
      metrics.inc('popin_relay_forwarded_total', label)
      return { id, status: 'done', nextAt: at, at }
    }
    const attempts = delivery.attempts + 1
    if (!outcome.retry || attempts >= settings.maxAttempts) {
      metrics.inc('popin_relay_dead_lettered_total', label)
      log.warn(`relay: ${delivery.destination} dead letter ${delivery.key.slice(0, 12)}: ${outcome.error}`)
      return { id, status: 'dead', nextAt: at, at, error: outcome.retry ? `gave up after ${attempts} attempts: ${outcome.error}` : outcome.error }
    }
    metrics.inc('popin_relay_retried_total', label)
    const backoff = Math.random() * Math.min(MAX_DELAY_MS, settings.retryBaseMs * 2 ** (attempts - 1))
    return { id, status: 'pending', nextAt: at + Math.min(MAX_DELAY_MS, outcome.retryAfterMs ?? backoff), at, error: outcome.error }
  }

  return {
    /** New deliveries were stored: look now rather than at the next tick. */
    poke: () => wake?.(),
    /** Stops claiming; resolves when the deliveries in flight are settled. */
    async stop() {
      running = false
      clearTimeout(timer)
      wake?.()
      await loop
    },
  }
}

type Outcome = { ok: true } | { ok: false; retry: boolean; error: string; retryAfterMs?: number }

/** Authorises and sends one request. A sender that throws (a secret it cannot encode) is a failure to retry, like the network's. */
async function send(authorized: () => ReturnType<ServerSender['authorize']>, server: ServerSender, timeoutMs: number): Promise<Outcome> {
  let response: { status: number; text: string; retryAfter: string | undefined }
  let request: ReturnType<ServerSender['authorize']>
  try {
    request = authorized()
  } catch (error) {
    return { ok: false, retry: true, error: `could not send: ${(error as Error)?.message ?? String(error)}` }
  }
  try {
    response = await post(request.url, request.headers, JSON.stringify(request.body), timeoutMs)
  } catch (error) {
    return { ok: false, retry: true, error: (error as Error).message }
  }
  const { status, text } = response
  if (status >= 200 && status < 300) return { ok: true }
  const error = `HTTP ${status}: ${text.slice(0, 300)}`
  const retry = status === 408 || status === 429 || status >= 500 || (server.retryable?.(status, text) ?? false)
  const retryAfterMs = retryAfter(response.retryAfter)
  return { ok: false, retry, error, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) }
}

// node:http with keep-alive rather than fetch: at hundreds of deliveries a second it costs less CPU.
const agents = { 'http:': new http.Agent({ keepAlive: true, maxSockets: 64 }), 'https:': new https.Agent({ keepAlive: true, maxSockets: 64 }) }

function post(url: string, headers: Record<string, string>, body: string, timeoutMs: number) {
  return new Promise<{ status: number; text: string; retryAfter: string | undefined }>((resolve, reject) => {
    const target = new URL(url)
    const client = target.protocol === 'https:' ? https : http
    const req = client.request(target, { method: 'POST', agent: agents[target.protocol as 'http:'], headers: { ...headers, 'content-length': Buffer.byteLength(body) } }, (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => (text += text.length < 4096 ? chunk : ''))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text, retryAfter: res.headers['retry-after'] }))
      res.on('error', reject)
    })
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)))
    req.on('error', reject)
    req.end(body)
  })
}

/** Retry-After in seconds or as an HTTP date. */
function retryAfter(value: string | undefined): number | undefined {
  if (!value) return undefined
  const seconds = Number(value)
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000)
  const at = Date.parse(value)
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now())
}
