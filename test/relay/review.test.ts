// @vitest-environment node
import Database from 'libsql'
import { spawn, type ChildProcess } from 'node:child_process'
import { createHash } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { createServer, type AddressInfo } from 'node:net'
import { join } from 'node:path'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { clientId } from '../../adapters/ga4/measurement-protocol'
import type { IncomingWebhook } from '../../src/relay/store'
import { recentTimestamp, relayConfig, SECRETS, startTestRelay, tempDatabase } from './support'

let running: Awaited<ReturnType<typeof startTestRelay>> | undefined
afterEach(async () => {
  await running?.close()
  running = undefined
})

// A missed call reaches all three destinations under the preset.
const missed = (user = 'pu-42', product = 'Blue Sofa') => ({ event: 'popin_call_missed', user_id: user, timestamp: recentTimestamp().text, properties: { product } })
const sha = (text: string) => createHash('sha256').update(text).digest('hex')
const STORED = { status: 'stored', id: expect.stringMatching(/^[0-9a-f]{64}$/) }

/** startTestRelay, with some secrets replaced. */
const startTestRelayWithEnv = (env: Record<string, string>, relayOptions: Record<string, unknown> = {}) => startTestRelay(relayOptions, undefined, env)

/** Every outbox row, straight from the database (the store exposes no last_error for pending rows). */
function outboxRows(database: string) {
  const db = new Database(database)
  try {
    return db.prepare('SELECT destination, status, attempts, last_error FROM outbox ORDER BY id').all() as {
      destination: string
      status: string
      attempts: number
      last_error: string | null
    }[]
  } finally {
    db.close()
  }
}

describe('ids on retries', () => {
  it("Meta's event_id and Segment's messageId are the same on every retry", async () => {
    running = await startTestRelay()
    const { post, fakes } = running
    fakes.answers.meta.push({ status: 500 }, { status: 200 })
    fakes.answers.segment.push({ status: 500 }, { status: 200 })
    const webhook = missed()
    const response = await post(webhook)
    const answer = await response.json()
    expect([response.status, answer]).toEqual([200, STORED])
    // The key: the webhook's time in seconds (8 hex digits; a time without a zone read as UTC), then
    // the SHA-256 of its JSON, keys sorted.
    const { event, properties, timestamp, user_id } = webhook
    const hash = sha(JSON.stringify({ event, properties, timestamp, user_id }))
    expect(answer.id).toBe(Math.floor(Date.parse(`${timestamp.replace(' ', 'T')}Z`) / 1000).toString(16).padStart(8, '0') + hash.slice(0, 56))
    await expect.poll(() => [fakes.delivered('meta').length, fakes.delivered('segment').length], { timeout: 5000 }).toEqual([1, 1])

    const meta = fakes.received.filter((r) => r.url.startsWith('/meta/'))
    expect(meta.map((r) => r.status)).toEqual([500, 200])
    const eventIds = meta.map((r) => r.body.data[0].event_id)
    expect(eventIds[0]).toMatch(/^popin_call_missed\.[0-9a-f]{24}$/)
    expect(eventIds[1]).toBe(eventIds[0])
    // Derived from the webhook's hash, not from its time.
    expect(eventIds[0]).toBe(`popin_call_missed.${hash.slice(0, 24)}`)

    const segment = fakes.received.filter((r) => r.url.startsWith('/segment/'))
    expect(segment.map((r) => r.status)).toEqual([500, 200])
    const messageIds = segment.map((r) => r.body.messageId)
    expect(messageIds[0]).toMatch(/^popin_call_missed\.[0-9a-f]{24}\.0$/)
    expect(messageIds[1]).toBe(messageIds[0])
    expect(messageIds[0]).toBe(`${eventIds[0]}.0`)
  })
})

describe('timestamps out of range', () => {
  it.each([
    ['1e300', 1e300],
    ['-1e20', -1e20],
    ['"8640000000000001"', '8640000000000001'],
  ])('timestamp %s: 200 stored, delivered with the time it was received', async (_label, timestamp) => {
    running = await startTestRelay()
    const { post, fakes } = running
    const before = Date.now()
    const response = await post({ ...missed('pu-77', 'Far Sofa'), timestamp })
    const after = Date.now()
    expect([response.status, await response.json()]).toEqual([200, STORED])
    await expect.poll(() => fakes.received.length).toBe(3)
    expect(fakes.received.map((r) => r.status)).toEqual([200, 200, 200])

    const near = (ms: number) => {
      expect(ms).toBeGreaterThanOrEqual(before - 2000)
      expect(ms).toBeLessThanOrEqual(after + 2000)
    }
    const meta = fakes.received.find((r) => r.url.startsWith('/meta/'))!
    expect(meta.body.data[0].custom_data.product).toBe('Far Sofa')
    near(meta.body.data[0].event_time * 1000)
    const ga4 = fakes.received.find((r) => r.url.startsWith('/ga4/'))!
    expect(ga4.body.client_id).toBe(clientId('pu-77', sha))
    near(ga4.body.timestamp_micros / 1000)
    const segment = fakes.received.find((r) => r.url.startsWith('/segment/'))!
    expect(segment.body.properties.popin_user_id).toBe('pu-77')
    near(Date.parse(segment.body.timestamp))
  })
})

describe('group commit', () => {
  it('one webhook the database refuses does not sink the others committed in the same turn', async () => {
    running = await startTestRelay()
    const { post, fakes, relay, log } = running
    const accept = relay.store.accept
    const batches: string[][] = []
    // No real body makes SQLite refuse a webhook: this double refuses any batch holding popin_poison.
    vi.spyOn(relay.store, 'accept').mockImplementation((webhooks: IncomingWebhook[]) => {
      batches.push(webhooks.map((w) => w.event))
      if (webhooks.some((w) => w.event === 'popin_poison')) throw new Error('SQLITE_CONSTRAINT: refused')
      return accept(webhooks)
    })
    // Requests on separate connections share a turn only when they arrive together: warm three
    // keep-alive connections, then send rounds of three until one batch holds the poison and a good one.
    const shared = (round: number) => batches.some((b) => b.includes('popin_poison') && b.includes('popin_call_missed') && b.length > 1 && batches.indexOf(b) >= round)
    let round = 0
    let goods: string[] = []
    for (let attempt = 0; attempt < 20; attempt++) {
      await Promise.all([1, 2, 3].map(() => fetch(`${relay.url}/healthz`).then((r) => r.text())))
      round = batches.length
      const users = [`pu-${attempt}1`, `pu-${attempt}2`]
      const poison = { event: 'popin_poison', user_id: `pu-${attempt}0`, timestamp: recentTimestamp().text }
      const responses = await Promise.all([post(missed(users[0], `Sofa ${users[0]}`)), post(poison), post(missed(users[1], `Sofa ${users[1]}`))])
      const answers = await Promise.all(responses.map(async (r) => [r.status, await r.json()]))
      expect(answers).toEqual([
        [200, STORED],
        [503, { error: 'could not store it; send it again' }],
        [200, STORED],
      ])
      goods.push(...users)
      if (shared(round)) break
    }
    // The poison shared a turn with a good one: that batch was refused, then each was stored on its own.
    expect(shared(round), `batches: ${JSON.stringify(batches)}`).toBe(true)
    expect(new Set(log.error.mock.calls.map((c) => c[0]))).toEqual(new Set(['relay: POST /webhooks/popin: could not store: SQLITE_CONSTRAINT: refused']))
    goods = goods.sort()
    // Events, not requests: the relay may batch the good ones.
    await expect.poll(() => fakes.messages('meta').map((event) => event.custom_data.product).sort()).toEqual(goods.map((u) => `Sofa ${u}`))
    await expect.poll(() => fakes.messages('segment').map((message) => message.properties.popin_user_id).sort()).toEqual(goods)
    await expect.poll(() => fakes.messages('ga4').map((event) => event.client_id).sort()).toEqual(goods.map((u) => clientId(u, sha)).sort())
    const n = goods.length
    await expect.poll(() => relay.store.counts()).toEqual({ facebookPixel: { done: n }, ga4: { done: n }, segment: { done: n } })
  })
})

describe('the relay process, when its port is taken', () => {
  it('exits 1 promptly, saying EADDRINUSE', async () => {
    const blocker = createServer()
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve))
    let child: ChildProcess | undefined
    try {
      const { port } = blocker.address() as AddressInfo
      const database = tempDatabase()
      const configFile = join(database, '../bridge.json')
      writeFileSync(configFile, JSON.stringify(relayConfig(database, {}, { port, host: '127.0.0.1' })))
      const started = Date.now()
      child = spawn(process.execPath, [join(__dirname, '../../dist/cli.js'), 'relay', '--config', configFile], {
        env: { ...process.env, ...SECRETS },
        stdio: ['ignore', 'pipe', 'pipe'],
      })
      let stdout = ''
      let stderr = ''
      child.stdout!.on('data', (chunk) => (stdout += chunk))
      child.stderr!.on('data', (chunk) => (stderr += chunk))
      const code = await new Promise<number | null>((resolve) => {
        const timer = setTimeout(() => resolve(-1), 5000)
        child!.on('exit', (exitCode) => {
          clearTimeout(timer)
          resolve(exitCode)
        })
      })
      expect([code, Date.now() - started < 5000]).toEqual([1, true])
      expect(stderr).toContain('EADDRINUSE')
      expect(stdout).not.toContain('Popin webhook URL')
    } finally {
      if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
      await new Promise<void>((resolve) => blocker.close(() => resolve()))
    }
  }, 10_000)
})

describe('a sender that throws while authorising', () => {
  // btoa refuses anything past Latin-1: Segment's authorize throws on every attempt.
  const env = { POPIN_BRIDGE_SEGMENT_WRITE_KEY: 'ключ' }

  it('puts the row back to pending with the reason, not leased; Meta and GA4 still deliver', async () => {
    running = await startTestRelayWithEnv(env)
    const { post, fakes, database } = running
    expect((await post(missed())).status).toBe(200)
    await expect.poll(() => [fakes.delivered('meta').length, fakes.delivered('ga4').length]).toEqual([1, 1])
    // Claimed again and again: each attempt is recorded, so it never stays leased.
    await expect.poll(() => outboxRows(database).find((r) => r.destination === 'segment')!.attempts, { timeout: 5000 }).toBeGreaterThanOrEqual(2)
    const segment = outboxRows(database).find((r) => r.destination === 'segment')!
    expect(segment.status).toBe('pending')
    expect(segment.last_error).toMatch(/^could not send: /)
    expect(fakes.received.filter((r) => r.url.startsWith('/segment/'))).toEqual([])
  })

  it('with maxAttempts 1 it becomes a dead letter with that reason', async () => {
    running = await startTestRelayWithEnv(env, { maxAttempts: 1 })
    const { post, fakes, relay } = running
    expect((await post(missed())).status).toBe(200)
    await expect.poll(() => relay.store.counts()).toEqual({ facebookPixel: { done: 1 }, ga4: { done: 1 }, segment: { dead: 1 } })
    expect(await relay.store.deadLetters()).toEqual([expect.objectContaining({ destination: 'segment', attempts: 1, last_error: expect.stringMatching(/^gave up after 1 attempts: could not send: /) })])
    expect([fakes.delivered('meta').length, fakes.delivered('ga4').length, fakes.received.filter((r) => r.url.startsWith('/segment/')).length]).toEqual([1, 1, 0])
  })

  it('counts that dead letter in popin_relay_dead_lettered_total', async () => {
    running = await startTestRelayWithEnv(env, { maxAttempts: 1 })
    const { post, relay } = running
    expect((await post(missed())).status).toBe(200)
    await expect.poll(async () => (await relay.store.counts()).segment).toEqual({ dead: 1 })
    const metrics = await (await fetch(`${relay.url}/metrics`)).text()
    expect(metrics).toContain('popin_relay_outbox{destination="segment",status="dead"} 1\n')
    expect(metrics).toContain('popin_relay_dead_lettered_total{destination="segment"} 1\n')
  })

  it('counts those retries in popin_relay_retried_total', async () => {
    running = await startTestRelayWithEnv(env)
    const { post, relay, database } = running
    expect((await post(missed())).status).toBe(200)
    await expect.poll(() => outboxRows(database).find((r) => r.destination === 'segment')!.attempts, { timeout: 5000 }).toBeGreaterThanOrEqual(2)
    const metrics = await (await fetch(`${relay.url}/metrics`)).text()
    expect(metrics).toMatch(/\npopin_relay_retried_total\{destination="segment"\} [1-9]\d*\n/)
  })
})
