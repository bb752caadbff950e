import type { Logger } from '../lib/logger'
import { shortKey } from './keys'
import { lagTracker } from './lag'
import { post, type Answer } from './post'
import type { Metrics } from './metrics'
import type { Batching, ServerSender } from '../adapter'
import type { RelaySettings } from './settings'
import { RESPONSE_EXCERPT_CHARS, type Delivery, type IncomingWebhook, type Settled, type Store } from './store'

export interface ActiveServerDestination {
  server: ServerSender
  secrets: Record<string, string>
}

/** Rows a destination holds claimed at least: enough to fill several batches. */
export const CLAIM_LIMIT = 256
/**
 * Rows a destination holds claimed at most (waiting for a request or in one). Within it, twice what
 * its requests in flight carry with full batches (a vendor 100 ms away is sent at most its
 * concurrency times a batch ten times a second); for GA4, whose requests mostly carry one event,
 * that is 8 rounds of its 512. A paced destination holds CLAIM_LIMIT.
 */
export const MAX_ROWS_HELD = 4096
const IDLE_MS = 200
const CLAIM_SPACING_MS = 20
/**
 * Outcomes wait this long to be recorded with those that follow: one write for many deliveries
 * (each settled request would otherwise be a transaction, and a round trip to PostgreSQL).
 */
const SETTLE_SPACING_MS = 20
const DEFAULT_CONCURRENCY = 16
const MAX_PACING_WAIT_MS = 1000
const MAX_DELAY_MS = 3600 * 1000

/**
 * Sends due deliveries, each destination in a loop of its own (a slow or failing vendor never holds
 * back another), merged per batch key (a sender's `batch`), within the destination's limits
 * (requests in flight, requests a second): 2xx settles every row of the request done; 408, 429,
 * 5xx, timeouts and network errors retry every row, each with its own exponential backoff and full
 * jitter (or the vendor's Retry-After); any other 4xx splits the batch in halves, down to the one
 * row that is refused, which goes to the dead letters with the reason, as do an event past the
 * vendor's age window and the last attempt. `names` are every destination rows may be stored for,
 * configured or not.
 */
export function startWorker(store: Store, destinations: Map<string, ActiveServerDestination>, names: readonly string[], settings: RelaySettings, metrics: Metrics, log: Logger) {
  let running = true
  const sleepers = new Set<() => void>()
  const failures = new Set<string>()
  const limiters = new Map(
    names.map((name) => {
      const { concurrency, requestsPerSecond } = settings.limits[name] ?? {}
      return [name, new Limiter(concurrency ?? destinations.get(name)?.server.concurrency ?? DEFAULT_CONCURRENCY, requestsPerSecond)]
    }),
  )
  const limiter = (destination: string) => limiters.get(destination)!
  // A paced destination's pace bounds it, not the vendor's distance.
  const rowsHeld = (destination: string) =>
    limiter(destination).paced ? CLAIM_LIMIT : Math.min(MAX_ROWS_HELD, Math.max(CLAIM_LIMIT, 2 * limiter(destination).limit * (destinations.get(destination)?.server.batch?.max ?? 1)))

  const idle = () =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(wake, IDLE_MS)
      function wake() {
        clearTimeout(timer)
        sleepers.delete(wake)
        resolve()
      }
      sleepers.add(wake)
    })

  // Backpressure's signal: a destination lags when a claim leaves due rows behind. A paced
  // destination never does (its backlog waits in the database by design), nor one this relay does
  // not send to, nor one whose last request failed and is retried: holding webhooks cannot help a
  // vendor that is down, and the database is the buffer for its outage.
  const lag = lagTracker()
  const failing = new Set<string>()

  const inFlight = new Set<Promise<void>>()
  const lanes = new Map(names.map((destination) => [destination, lane(destination)]))
  const loops = [...lanes.values()].map((lane) => lane.loop())

  /** One destination's rows claimed or handed over, and the loop that claims them. */
  function lane(destination: string) {
    // Rows claimed and not yet settled, waiting for a request or in one: more are claimed while
    // requests are in flight, once at most half the destination's share is left, so its
    // concurrency is never idle waiting for its slowest request.
    let claimed = 0
    let freed: (() => void) | undefined
    let lastClaim = 0
    const queue: Queue = new Map()
    const share = rowsHeld(destination)
    // Whether rows may be due in the database: the last claim left some, or rows were refused since
    // (or while it ran). New rows are handed over only behind none, so older ones go first.
    let behind = true
    let refused = 0
    // Rows the claim under way may bring: room not to hand over meanwhile.
    let claiming = 0
    // Sends waiting for their turn or in flight.
    let sends = 0
    const finish = (settled: Settled[]) => {
      if (settled.length) record(settled)
      claimed -= settled.length
      freed?.()
    }
    const startSend = () => {
      sends++
      const done = sendNext(destination, queue).then((settled) => {
        sends--
        finish(settled)
        // A backstop: merging at their turn never needs more requests than the claims counted.
        if (queue.size && sends === 0) startSend()
      })
      inFlight.add(done)
      void done.then(() => inFlight.delete(done))
    }
    /** Rows leased to this lane (claimed, or handed over as stored): queued, and their sends started. */
    const hold = (due: Delivery[], claimedAt: number) => {
      claimed += due.length
      const { dead, requests } = enqueue(due, claimedAt, queue)
      finish(dead)
      for (let i = 0; i < requests; i++) startSend()
    }
    // Rows handed over as stored, sent together at most every CLAIM_SPACING_MS, as claims are: a
    // stream of webhooks still makes full batches.
    let handed: Delivery[] = []
    let handedAt = 0
    let flush: NodeJS.Timeout | undefined
    const sendHanded = () => {
      flush = undefined
      lastClaim = Date.now()
      const due = handed
      handed = []
      claimed -= due.length
      if (running) hold(due, handedAt)
    }
    return {
      /** Room for `count` rows about to be stored, held for them until `handOver`: whether there was. */
      reserve(count: number): boolean {
        const room = !behind && !limiter(destination).paced && destinations.has(destination) && claimed + claiming + count <= share
        if (room) claimed += count
        else {
          behind = true
          refused++
        }
        return room
      },
      /** The rows stored and leased for a reservation of `reserved` (fewer when some were not). */
      handOver(due: Delivery[], reserved: number) {
        claimed -= reserved - due.length
        if (due.length) {
          if (!handed.length) handedAt = Date.now()
          handed.push(...due)
          flush ??= setTimeout(sendHanded, Math.max(0, lastClaim + CLAIM_SPACING_MS - Date.now()))
        }
        freed?.()
      },
      /** Sends what was handed over and waits for its turn now (the worker stops). */
      flush() {
        clearTimeout(flush)
        sendHanded()
      },
      /** Wakes the loop if it waits for rows to settle (the worker stops). */
      wake: () => freed?.(),
      async loop() {
        while (running) {
          if (claimed > share / 2) {
            await new Promise<void>((resolve) => (freed = resolve))
            continue
          }
          // Under a stream of webhooks every one wakes the loop: claims at most every CLAIM_SPACING_MS,
          // so each takes many rows, rather than a database round trip per webhook and destination.
          // A paced destination claims only once its pace has a free start, and only what the pace can
          // start within MAX_PACING_WAIT_MS: a backlog waits in the database, not claimed and deferred
          // again and again.
          // Rows still waiting for their turn count against the pace's: a start is taken only at a turn.
          const spacing = Math.max(lastClaim + CLAIM_SPACING_MS - Date.now(), limiter(destination).paceWait())
          if (spacing > 0) await new Promise((resolve) => setTimeout(resolve, spacing))
          const paceRoom = limiter(destination).paceRows(destinations.get(destination)?.server.batch?.max ?? 1) - (limiter(destination).paced ? waitingRows(queue) : 0)
          if (paceRoom <= 0) {
            await idle()
            continue
          }
          // Rows handed over during the wait may have filled the share.
          const wanted = Math.min(share - claimed, paceRoom)
          if (wanted <= 0) continue
          let drained = true
          const refusedBefore = refused
          try {
            const claimedAt = (lastClaim = Date.now())
            claiming = wanted
            const due = await store.claimDue(claimedAt, wanted, destination)
            drained = due.length < wanted
            lag.claimed(destination, !drained && destinations.has(destination) && !limiter(destination).paced && !failing.has(destination))
            hold(due, claimedAt)
          } catch (error) {
            lag.claimed(destination, false)
            fail(error as Error)
          } finally {
            claiming = 0
          }
          // Rows refused while the claim ran are in the database, after what it read: claim again.
          const left = refused !== refusedBefore
          behind = !drained || left
          if (drained && !left && running) await idle()
        }
      },
    }
  }

  /** A locked or full database must not end delivery for good: say so once, wait, try again. */
  function fail(error: Error) {
    const message = error?.message ?? String(error)
    if (!failures.has(message)) log.error(`relay: delivery loop failed, retrying: ${message}`, error)
    failures.add(message)
  }

  // Outcomes are recorded together: one transaction for what settles within SETTLE_SPACING_MS
  // (rows stay leased meanwhile, so none is sent again). An outcome whose transaction failed is
  // kept and recorded with the next, so its row neither stays leased until a restart nor is sent again.
  let outcomes: Settled[] = []
  let recording: Promise<void> | undefined
  function record(settled: Settled[]) {
    outcomes.push(...settled)
    recording ??= (async () => {
      while (outcomes.length) {
        await new Promise((resolve) => (running ? setTimeout(resolve, SETTLE_SPACING_MS) : setImmediate(resolve)))
        const batch = outcomes
        outcomes = []
        try {
          await store.settle(batch)
        } catch (error) {
          fail(error as Error)
          outcomes.unshift(...batch)
          // Stopping: left leased, so sent again (same ids) after the lease or the next start.
          if (!running) break
          await new Promise((resolve) => setTimeout(resolve, IDLE_MS))
        }
      }
      recording = undefined
    })()
  }

  /**
   * Adds claimed rows to their destination's queue, by batch key; rows that cannot be sent at all
   * are settled dead instead. `requests`: how many requests the rows need merged as claimed (one
   * send is started for each; at its turn it takes what waits then, which may be more).
   */
  function enqueue(due: Delivery[], claimedAt: number, queue: Queue): { dead: Settled[]; requests: number } {
    const dead: Settled[] = []
    const now = Date.now()
    const byKey: Queue = new Map()
    for (const delivery of due) {
      const { id, destination } = delivery
      const label = { destination }
      const server = destinations.get(destination)?.server
      // Switched off since the row was stored (secret removed): waiting would never end.
      const error = !server
        ? `${destination} is not configured in this relay`
        : server.maxAgeMs !== undefined && now - delivery.eventTime > server.maxAgeMs
          ? `older than ${server.maxAgeMs / 3600000} hours: ${destination} refuses events that old`
          : undefined
      if (error) {
        metrics.inc('popin_relay_dead_lettered_total', label)
        dead.push({ id, status: 'dead', nextAt: now, at: now, error })
        continue
      }
      const batch = server!.batch
      const key = batch ? batch.key(delivery.request) : ''
      const bytes = batch?.maxBytes === undefined ? 0 : Buffer.byteLength(JSON.stringify(delivery.request.body))
      const waiting = { delivery, bytes, claimedAt }
      for (const rows of [byKey, queue]) {
        const same = rows.get(key)
        if (same) same.push(waiting)
        else rows.set(key, [waiting])
      }
    }
    let requests = 0
    const batch = destinations.get(due[0]?.destination ?? '')?.server.batch
    for (const rows of byKey.values()) for (let from = 0; from < rows.length; from += fitting(rows, from, batch)) requests++
    return { dead, requests }
  }

  /**
   * Sends the oldest waiting rows of a destination at their turn (its concurrency, its pace): every
   * row waiting then under the same batch key, up to the sender's max and maxBytes, so batches grow
   * while requests queue behind a vendor far away. Settles each row from how it went.
   */
  async function sendNext(destination: string, queue: Queue): Promise<Settled[]> {
    const active = destinations.get(destination)!
    let taken: Waiting[] = []
    let stale = false
    try {
      const outcome = await limiter(destination).run(
        () => sendRows(taken.map((waiting) => waiting.delivery), active, taken[0]!.claimedAt),
        // Rows past half their lease go back at once, without taking a start of the pace.
        () => {
          taken = take(queue, active.server.batch)
          stale = taken.length > 0 && Date.now() - taken[0]!.claimedAt > settings.leaseMs / 2
          return taken.length > 0 && !stale
        },
      )
      const rows = taken.map((waiting) => waiting.delivery)
      if (stale) return await settleFrom(rows, { later: Date.now() }, active, 0)
      return outcome ? await settleFrom(rows, outcome, active, taken[0]!.claimedAt) : []
    } catch (error) {
      fail(error as Error)
      return taken.map(({ delivery }) => ({ id: delivery.id, status: 'deferred', nextAt: Date.now() + settings.retryBaseMs, at: Date.now() }))
    }
  }

  /**
   * One request for these rows (merged when more than one). Not sent once half the lease is gone
   * waiting for its turn: another instance may soon take the rows.
   */
  function sendRows(rows: Delivery[], { server, secrets }: ActiveServerDestination, claimedAt: number): Promise<Outcome | Later> {
    if (Date.now() - claimedAt > settings.leaseMs / 2) return Promise.resolve({ later: Date.now() })
    const request = rows.length === 1 || !server.batch ? rows[0]!.request : server.batch.merge(rows.map((row) => row.request))
    // relay.validateGa4: the same request to the vendor's validation endpoint too, for its messages.
    const validation = settings.validateGa4 && server.validation ? () => server.authorize(server.validation!(request), secrets) : undefined
    return send(() => server.authorize(request, secrets), server, settings.requestTimeoutMs, validation)
  }

  /** Sends these rows at their turn, as they are (a refused batch is split in halves, each sent so). */
  async function attempt(rows: Delivery[], active: ActiveServerDestination, claimedAt: number): Promise<Settled[]> {
    return settleFrom(rows, (await limiter(rows[0]!.destination).run(() => sendRows(rows, active, claimedAt)))!, active, claimedAt)
  }

  /** Each row's outcome from its request's. */
  async function settleFrom(rows: Delivery[], outcome: Outcome | Later, active: ActiveServerDestination, claimedAt: number): Promise<Settled[]> {
    if (!rows.length) return []
    const label = { destination: rows[0]!.destination }
    const at = Date.now()
    if ('later' in outcome) return rows.map(({ id }) => ({ id, status: 'deferred', nextAt: outcome.later, at }))
    if (outcome.ok || !outcome.retry) failing.delete(label.destination)
    else {
      failing.add(label.destination)
      lag.claimed(label.destination, false)
    }
    const response = outcome.text?.slice(0, RESPONSE_EXCERPT_CHARS)
    const answer = response === undefined ? {} : { response }
    if (outcome.ok) {
      metrics.inc('popin_relay_forwarded_total', label, rows.length)
      return rows.map(({ id }) => ({ id, status: 'done', nextAt: at, at, ...answer }))
    }
    if (!outcome.retry && rows.length > 1) {
      // A bad event inside: send each half again, so only that event is refused.
      const half = Math.ceil(rows.length / 2)
      return (await Promise.all([attempt(rows.slice(0, half), active, claimedAt), attempt(rows.slice(half), active, claimedAt)])).flat()
    }
    return rows.map((delivery) => {
      const { id } = delivery
      const attempts = delivery.attempts + 1
      if (!outcome.retry || attempts >= settings.maxAttempts) {
        metrics.inc('popin_relay_dead_lettered_total', label)
        log.warn(`relay: ${delivery.destination} dead letter ${shortKey(delivery.key)}: ${outcome.error}`)
        return { id, status: 'dead', nextAt: at, at, error: outcome.retry ? `gave up after ${attempts} attempts: ${outcome.error}` : outcome.error, ...answer }
      }
      metrics.inc('popin_relay_retried_total', label)
      const backoff = Math.random() * Math.min(MAX_DELAY_MS, settings.retryBaseMs * 2 ** (attempts - 1))
      return { id, status: 'pending', nextAt: at + Math.min(MAX_DELAY_MS, outcome.retryAfterMs ?? backoff), at, error: outcome.error, ...answer }
    })
  }

  const wakeAll = () => [...sleepers].forEach((wake) => wake())
  return {
    /** New deliveries were stored: look now rather than at the next tick. */
    poke: wakeAll,
    /**
     * Before webhooks are stored: the destinations that take the rows these add as they are stored,
     * with room held for them (the `lease` of `store.accept`), so that the rows are sent without a
     * claim. Not a destination whose last claim left due rows (or that refused some since), nor a
     * paced one. Then `handOff`.
     */
    reserve(webhooks: IncomingWebhook[]): Reservation {
      return new Map([...rowsByDestination(webhooks)].filter(([destination, count]) => lanes.get(destination)?.reserve(count)))
    },
    /**
     * The reserved destinations' rows as stored (those `store.accept` leased and gave an id) go to
     * their sends; room held for the others is freed. Whether every row to be sent was handed so.
     */
    handOff(webhooks: IncomingWebhook[], reserved: Reservation): boolean {
      const rows = new Map([...reserved.keys()].map((destination) => [destination, [] as Delivery[]]))
      let left = 0
      for (const { key, entries } of webhooks) {
        for (const { destination, request, eventTime, deadReason, id } of entries) {
          if (deadReason) continue
          if (id === undefined) left++
          else rows.get(destination)!.push({ id, key, destination, request, eventTime, attempts: 0 })
        }
      }
      for (const [destination, due] of rows) lanes.get(destination)!.handOver(due, reserved.get(destination)!)
      return left === 0
    },
    /** Whether forwarding lags behind intake, and waiting for it to catch up (src/relay/lag.ts). */
    lag,
    /** Stops claiming; resolves when the deliveries in flight are settled. */
    async stop() {
      // What was handed over and not yet sent goes now, waited for as what is in flight.
      for (const lane of lanes.values()) lane.flush()
      running = false
      lag.stop()
      wakeAll()
      for (const lane of lanes.values()) lane.wake()
      await Promise.all(loops)
      while (inFlight.size) await Promise.all(inFlight)
      while (recording) await recording
    },
  }
}

/**
 * At most `limit` tasks at once, and with `perSecond`, starts at least 1/perSecond s apart (no
 * burst past a vendor's quota; a task waiting for its start holds its slot), first come first
 * served. A task whose start would be more than MAX_PACING_WAIT_MS away is not run: `run` says
 * when its turn would be, and its rows wait in the database, not leased, rather than in this process.
 */
class Limiter {
  private active = 0
  private waiting: (() => void)[] = []
  private nextStart = 0
  constructor(
    readonly limit: number,
    private readonly perSecond?: number,
  ) {}
  /** Most rows worth claiming: what the requests the pace lets start within MAX_PACING_WAIT_MS can carry. */
  paceRows(perRequest: number): number {
    return this.perSecond ? Math.max(1, Math.ceil((this.perSecond * MAX_PACING_WAIT_MS) / 1000)) * perRequest : Infinity
  }
  /** Whether it paces starts (`requestsPerSecond`). */
  get paced(): boolean {
    return this.perSecond !== undefined
  }
  /** How long until the pace has a free start (0 without a pace). */
  paceWait(now = Date.now()): number {
    return this.perSecond ? Math.max(0, this.nextStart - now) : 0
  }
  /**
   * Runs `task` at its turn: a free slot, then its start in the pace. `needed`, asked once the slot
   * is free and before a start is taken, says whether there is anything to send (undefined if not),
   * so a turn that finds nothing never spends a start of the pace.
   */
  async run<T>(task: () => Promise<T | Later>, needed: () => boolean = () => true): Promise<T | Later | undefined> {
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve))
    else this.active++
    try {
      if (!needed()) return undefined
      if (this.perSecond) {
        const now = Date.now()
        const start = Math.max(now, this.nextStart)
        if (start - now > MAX_PACING_WAIT_MS) return { later: start }
        this.nextStart = start + 1000 / this.perSecond
        if (start > now) await new Promise((resolve) => setTimeout(resolve, start - now))
      }
      return await task()
    } finally {
      const next = this.waiting.shift()
      if (next) next()
      else this.active--
    }
  }
}

/** A claimed row waiting for a request, with what merging it needs. */
interface Waiting {
  delivery: Delivery
  /** Its body's bytes, when the sender bounds a batch's. */
  bytes: number
  claimedAt: number
}

/** A destination's waiting rows by batch key, the key waiting longest first. */
type Queue = Map<string, Waiting[]>

/** How many of `rows`, from `from` on, one request takes: up to the sender's max and maxBytes, one at least. */
function fitting(rows: Waiting[], from: number, batch: Batching | undefined): number {
  const max = Math.min(rows.length - from, batch?.max ?? 1)
  let bytes = rows[from]?.bytes ?? 0
  let count = 1
  while (count < max && (batch?.maxBytes === undefined || bytes + rows[from + count]!.bytes <= batch.maxBytes)) bytes += rows[from + count++]!.bytes
  return count
}

/** The destinations with room held for the rows of webhooks about to be stored, and those rows' count. */
type Reservation = Map<string, number>

/** The rows these webhooks add that are to be sent (not stored dead), by destination. */
function rowsByDestination(webhooks: IncomingWebhook[]): Map<string, number> {
  const counts = new Map<string, number>()
  for (const { entries } of webhooks) for (const { destination, deadReason } of entries) if (!deadReason) counts.set(destination, (counts.get(destination) ?? 0) + 1)
  return counts
}

/** Rows waiting in `queue`. */
function waitingRows(queue: Queue): number {
  let count = 0
  for (const rows of queue.values()) count += rows.length
  return count
}

/** Takes the next request's rows out of `queue`: the longest-waiting key's, as many as fit. */
function take(queue: Queue, batch: Batching | undefined): Waiting[] {
  const next = queue.entries().next()
  if (next.done) return []
  const [key, rows] = next.value
  const taken = rows.splice(0, fitting(rows, 0, batch))
  if (!rows.length) queue.delete(key)
  return taken
}

/** Not sent at its turn: when it may be instead. */
type Later = { later: number }
/** `text`: the vendor's answer, when there was one. */
type Outcome = { ok: true; text: string } | { ok: false; retry: boolean; error: string; retryAfterMs?: number; text?: string }

/**
 * Authorises and sends one request. A sender that throws (a secret it cannot encode) is a failure to retry, like the network's.
 * Once it is accepted, `validation` (when given) is sent too, and its answer is the one kept; it never changes the outcome.
 */
async function send(authorized: () => ReturnType<ServerSender['authorize']>, server: ServerSender, timeoutMs: number, validation?: () => ReturnType<ServerSender['authorize']>): Promise<Outcome> {
  let response: Answer
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
  if (status >= 200 && status < 300) {
    if (!validation) return { ok: true, text }
    try {
      const check = validation()
      return { ok: true, text: (await post(check.url, check.headers, JSON.stringify(check.body), timeoutMs)).text }
    } catch (error) {
      return { ok: true, text: `validation failed: ${(error as Error).message}` }
    }
  }
  const error = `HTTP ${status}: ${text.slice(0, 300)}`
  const retry = status === 408 || status === 429 || status >= 500 || (server.retryable?.(status, text) ?? false)
  const retryAfterMs = retryAfter(response.retryAfter)
  return { ok: false, retry, error, text, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) }
}

/** Retry-After in seconds or as an HTTP date. */
function retryAfter(value: string | undefined): number | undefined {
  if (!value) return undefined
  const seconds = Number(value)
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000)
  const at = Date.parse(value)
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now())
}
