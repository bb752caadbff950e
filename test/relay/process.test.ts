// @vitest-environment node
import type { ChildProcess } from 'node:child_process'
import { createHash } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { clientId } from '../../adapters/ga4/measurement-protocol'
import { mixedIds, startFakeDestinations } from '../support/fake-destinations'
import { openStore } from '../../src/relay/store'
import { MAX_ROWS_HELD } from '../../src/relay/worker'
import { recentTimestamp, relayConfig, SECRETS, tempDatabase, startRelayProcess } from './support'

const children: ChildProcess[] = []
afterAll(() => children.forEach((child) => child.kill('SIGKILL')))

const startProcess = (configFile: string) => startRelayProcess(configFile, children)

// A missed call reaches Meta under the preset (Meta gets rated calls from the Pixel).
const webhook = (n: number) => ({ event: 'popin_call_missed', user_id: `visitor-${n}`, timestamp: recentTimestamp().text, properties: { product: `sofa-${n}` } })
const sha = (text: string) => createHash('sha256').update(text).digest('hex')

describe('the relay process', () => {
  it('loses nothing when killed: every acknowledged webhook reaches every destination', async () => {
    const fakes = await startFakeDestinations()
    const database = tempDatabase()
    const configFile = join(database, '../bridge.json')
    writeFileSync(configFile, JSON.stringify(relayConfig(database, fakes.endpoints, { port: 0 })))
    const acknowledged = new Set<number>()
    let next = 0
    /** A steady stream from 4 senders until `until` resolves; 200s are recorded. */
    const stream = async (url: string, until: () => boolean) => {
      const sender = async () => {
        while (!until()) {
          const n = next++
          try {
            const response = await fetch(url, {
              method: 'POST',
              headers: { 'content-type': 'application/json', 'x-api-key': SECRETS.POPIN_BRIDGE_POPIN_API_KEY },
              body: JSON.stringify(webhook(n)),
            })
            if (response.status === 200) acknowledged.add(n)
          } catch {
            // The relay died mid-request: this one was never acknowledged.
          }
        }
      }
      await Promise.all([sender(), sender(), sender(), sender()])
    }

    const first = await startProcess(configFile)
    let killed = false
    const streaming = stream(first.url, () => killed)
    await new Promise((resolve) => setTimeout(resolve, 1500))
    first.child.kill('SIGKILL')
    killed = true
    await streaming
    await first.exited
    const beforeRestart = acknowledged.size

    const second = await startProcess(configFile)
    const stopAt = Date.now() + 1000
    await stream(second.url, () => Date.now() > stopAt)
    expect(beforeRestart).toBeGreaterThan(50)
    expect(acknowledged.size).toBeGreaterThan(beforeRestart)

    const ids = (prefix: 'meta' | 'ga4' | 'segment') =>
      fakes.messages(prefix).map((m) => (prefix === 'meta' ? m.custom_data.product : prefix === 'ga4' ? m.client_id : m.properties.popin_user_id))
    const expected = {
      meta: [...acknowledged].map((n) => `sofa-${n}`),
      ga4: [...acknowledged].map((n) => clientId(`visitor-${n}`, sha)),
      segment: [...acknowledged].map((n) => `visitor-${n}`),
    }
    for (const prefix of ['meta', 'ga4', 'segment'] as const) {
      await expect.poll(() => expected[prefix].filter((id) => !ids(prefix).includes(id)).length, { timeout: 20_000 }).toBe(0)
    }
    // At-least-once across a crash: a request in flight when the process died is sent again,
    // with the same event_id / messageId, which Meta and Segment deduplicate.
    const duplicates = Object.fromEntries((['meta', 'ga4', 'segment'] as const).map((p) => [p, ids(p).length - new Set(ids(p)).size]))
    console.log(`crash test: ${acknowledged.size} acknowledged (${beforeRestart} before SIGKILL), re-sent after restart: ${JSON.stringify(duplicates)}`)
    // At most what a destination holds claimed (the rows in flight at the kill).
    for (const count of Object.values(duplicates)) expect(count).toBeLessThanOrEqual(MAX_ROWS_HELD)
    // Every request for one occurrence, sent before or after the SIGKILL, carries the same id.
    expect(mixedIds(fakes, 'meta', (event) => event.custom_data.product, (event) => event.event_id)).toEqual([])
    expect(mixedIds(fakes, 'segment', (message) => `${message.properties?.popin_user_id} ${message.event}`, (message) => message.messageId)).toEqual([])

    second.child.kill('SIGTERM')
    expect(await second.exited).toBe(0)
    await fakes.close()
  }, 60_000)

  it('finishes the deliveries in flight on SIGTERM, then exits 0; a restart sends nothing again', async () => {
    const fakes = await startFakeDestinations()
    const database = tempDatabase()
    const configFile = join(database, '../bridge.json')
    writeFileSync(configFile, JSON.stringify(relayConfig(database, fakes.endpoints, { port: 0, requestTimeoutMs: 10_000 })))
    // Meta takes 1.5 s to answer: the delivery is still in flight when SIGTERM arrives.
    fakes.answers.meta.push({ status: 200, delayMs: 1500 })
    const first = await startProcess(configFile)
    const response = await fetch(first.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': SECRETS.POPIN_BRIDGE_POPIN_API_KEY },
      body: JSON.stringify(webhook(1)),
    })
    expect(response.status).toBe(200)
    await expect.poll(() => fakes.delivered('ga4').length + fakes.delivered('segment').length).toBe(2)
    expect(fakes.delivered('meta')).toHaveLength(0)

    const signalledAt = Date.now()
    first.child.kill('SIGTERM')
    expect(await first.exited).toBe(0)
    // It waited for Meta's answer rather than dropping the request.
    expect(Date.now() - signalledAt).toBeGreaterThan(500)
    expect(fakes.delivered('meta').map((r) => r.body.data[0].event_name)).toEqual(['PopinCallMissed'])
    await expect(fetch(new URL('/healthz', first.url))).rejects.toThrow()

    // The delivery was recorded as done before the exit: a new process has nothing left to send.
    const second = await startProcess(configFile)
    const health = await (await fetch(new URL('/healthz', second.url))).json()
    expect(health.outbox).toEqual({})
    await new Promise((resolve) => setTimeout(resolve, 500))
    expect(fakes.received.filter((r) => r.url.startsWith('/meta/'))).toHaveLength(1)
    second.child.kill('SIGTERM')
    expect(await second.exited).toBe(0)
    const store = await openStore(database, { leaseMs: 30_000 })
    try {
      expect(await store.counts()).toEqual({ facebookPixel: { done: 1 }, ga4: { done: 1 }, segment: { done: 1 } })
    } finally {
      await store.close()
    }
    await fakes.close()
  }, 30_000)
})
