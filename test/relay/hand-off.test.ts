// @vitest-environment node
// The worker with rows handed over as stored (src/relay/worker.ts), on a store that records what
// it is told: what the relay's SQLite store does, without the timing of a real relay around it.
import { afterEach, expect, it, vi } from 'vitest'
import { measurementProtocol } from '../../adapters/ga4/measurement-protocol'
import { createMetrics } from '../../src/relay/metrics'
import { relaySettings } from '../../src/relay/settings'
import type { IncomingWebhook, Settled, Store } from '../../src/relay/store'
import { startWorker } from '../../src/relay/worker'
import { startFakeDestinations, type FakeDestinations } from '../support/fake-destinations'
import { quietLog } from './support'

let fakes: FakeDestinations | undefined
afterEach(async () => {
  await fakes?.close()
  fakes = undefined
})

/** A store whose claims find nothing: every row the worker sends was handed to it. */
function recordingStore() {
  const settled: Settled[] = []
  const store = { claimDue: vi.fn(async () => []), settle: vi.fn(async (outcomes: Settled[]) => void settled.push(...outcomes)) }
  return { store: store as unknown as Store, settled }
}

/** GA4 webhooks as stored and leased: row ids from 1. */
const webhooks = (count: number, url: string): IncomingWebhook[] =>
  Array.from({ length: count }, (_, i) => ({
    key: `k${i}`,
    event: 'popin_call_missed',
    body: '{}',
    receivedAt: Date.now(),
    entries: [{ destination: 'ga4', seq: 0, id: i + 1, eventTime: Date.now(), request: { url: `${url}/mp/collect?measurement_id=G-TEST1234`, headers: { 'content-type': 'application/json' }, body: { client_id: `${i}.1`, events: [{ name: 'popin_call_missed' }] } } }],
  }))

it('stops with rows handed over and not yet sent: sends them, settles them, and resolves', async () => {
  fakes = await startFakeDestinations()
  const { store, settled } = recordingStore()
  // A share of 256 rows: 200 handed over are more than half, so the loop waits for rows to settle.
  const settings = relaySettings(undefined, { limits: { ga4: { concurrency: 1 } } })
  const worker = startWorker(store, new Map([['ga4', { server: measurementProtocol, secrets: { apiSecret: 's' } }]]), ['ga4'], settings, createMetrics(['ga4']), quietLog())
  await new Promise((resolve) => setTimeout(resolve, 50))
  const batch = webhooks(200, `${fakes.origin}/ga4`)
  const reserved = worker.reserve(batch)
  expect(reserved).toEqual(new Map([['ga4', 200]]))
  expect(worker.handOff(batch, reserved)).toBe(true)
  worker.poke()
  await new Promise((resolve) => setImmediate(resolve))
  const stopped = await Promise.race([worker.stop().then(() => 'stopped'), new Promise((resolve) => setTimeout(() => resolve('still waiting'), 5000))])
  expect(stopped).toBe('stopped')
  expect(fakes.messages('ga4').map((m) => m.client_id).sort()).toEqual(batch.map((_, i) => `${i}.1`).sort())
  expect(settled.map((s) => [s.id, s.status]).sort((a, b) => (a[0] as number) - (b[0] as number))).toEqual(batch.map((_, i) => [i + 1, 'done']))
  expect(store.claimDue).toHaveBeenCalled()
}, 10_000)

it('hands over no more than the share, counting what a claim under way may bring', async () => {
  fakes = await startFakeDestinations()
  let answer: (rows: []) => void = () => {}
  const claims: number[] = []
  const store = {
    // The first claim finds nothing; the second is held until the test lets it go.
    claimDue: vi.fn((_now: number, limit: number) => (claims.push(limit), claims.length === 1 ? Promise.resolve([]) : new Promise((resolve) => (answer = resolve)))),
    settle: vi.fn(async () => {}),
  } as unknown as Store
  const settings = relaySettings(undefined, { limits: { ga4: { concurrency: 1 } } })
  const worker = startWorker(store, new Map([['ga4', { server: measurementProtocol, secrets: { apiSecret: 's' } }]]), ['ga4'], settings, createMetrics(['ga4']), quietLog())
  await new Promise((resolve) => setTimeout(resolve, 50))
  worker.poke()
  await vi.waitFor(() => expect(claims).toEqual([256, 256]))
  // The claim under way may bring 256 rows, the whole share: nothing more is handed over.
  expect(worker.reserve(webhooks(1, `${fakes.origin}/ga4`))).toEqual(new Map())
  answer([])
  // That refusal left a row in the database, stored after what the claim read: it claims again at once.
  await vi.waitFor(() => expect(claims).toEqual([256, 256, 256]), { timeout: 150 })
  answer([])
  await worker.stop()
})
