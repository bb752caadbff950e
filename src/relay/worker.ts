import type { Logger } from '../lib/logger'
import type { Metrics } from './metrics'
import type { RelaySettings, ServerAdapter } from './server-adapter'
import type { Delivery, Store } from './store'

export interface ActiveServerDestination {
  server: ServerAdapter
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
  const loop = (async () => {
    while (running) {
      const due = store.claimDue(Date.now(), BATCH)
      await Promise.all(due.map(deliver))
      if (due.length < BATCH && running) {
        await new Promise<void>((resolve) => {
          wake = resolve
          timer = setTimeout(resolve, IDLE_MS)
        })
      }
    }
  })()

  async function deliver(delivery: Delivery) {
    const label = { destination: delivery.destination }
    const active = destinations.get(delivery.destination)
    const now = Date.now()
    if (!active) return store.retryAt(delivery.id, now + 60_000, `${delivery.destination} is not configured in this relay`, now)
    const { server, secrets } = active
    if (server.maxAgeMs !== undefined && now - delivery.eventTime > server.maxAgeMs) {
      metrics.inc('popin_relay_dead_lettered_total', label)
      return store.dead(delivery.id, `older than ${server.maxAgeMs / 3600000} hours: ${delivery.destination} refuses events that old`, now)
    }
    const outcome = await send(server, server.authorize(delivery.request, secrets), settings.requestTimeoutMs)
    const done = Date.now()
    if (outcome.ok) {
      metrics.inc('popin_relay_forwarded_total', label)
      return store.delivered(delivery.id, done)
    }
    const attempts = delivery.attempts + 1
    if (!outcome.retry || attempts >= settings.maxAttempts) {
      metrics.inc('popin_relay_dead_lettered_total', label)
      log.warn(`relay: ${delivery.destination} dead letter ${delivery.key.slice(0, 12)}: ${outcome.error}`)
      return store.dead(delivery.id, outcome.retry ? `gave up after ${attempts} attempts: ${outcome.error}` : outcome.error, done)
    }
    metrics.inc('popin_relay_retried_total', label)
    const backoff = Math.random() * Math.min(MAX_DELAY_MS, settings.retryBaseMs * 2 ** (attempts - 1))
    store.retryAt(delivery.id, done + Math.min(MAX_DELAY_MS, outcome.retryAfterMs ?? backoff), outcome.error, done)
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

async function send(server: ServerAdapter, request: ReturnType<ServerAdapter['authorize']>, timeoutMs: number): Promise<Outcome> {
  let response: Response
  try {
    response = await fetch(request.url, {
      method: 'POST',
      headers: request.headers,
      body: JSON.stringify(request.body),
      signal: AbortSignal.timeout(timeoutMs),
    })
  } catch (error) {
    const reason = (error as Error).name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : (error as Error).message
    return { ok: false, retry: true, error: reason }
  }
  const text = await response.text().catch(() => '')
  if (response.ok) return { ok: true }
  const error = `HTTP ${response.status}: ${text.slice(0, 300)}`
  const status = response.status
  const retry = status === 408 || status === 429 || status >= 500 || (server.retryable?.(status, text) ?? false)
  const retryAfterMs = retryAfter(response.headers.get('retry-after'))
  return { ok: false, retry, error, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) }
}

/** Retry-After in seconds or as an HTTP date. */
function retryAfter(value: string | null): number | undefined {
  if (!value) return undefined
  const seconds = Number(value)
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000)
  const at = Date.parse(value)
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now())
}
