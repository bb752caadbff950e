// @vitest-environment node
import { afterEach, describe, expect, it } from 'vitest'
import { openStore, type IncomingWebhook, type Store } from '../../src/relay/store'
import { onEachEngine, testDatabase } from './support'

let store: Store | undefined
afterEach(async () => {
  await store?.close()
  store = undefined
})

const webhook = (key: string, destinations: string[]): IncomingWebhook => ({
  key,
  event: 'popin_call_missed',
  body: `{"n":"${key}"}`,
  receivedAt: 1000,
  entries: destinations.map((destination, seq) => ({ destination, seq, request: { url: `http://127.0.0.1:1/${key}`, headers: {}, body: { key, seq } }, eventTime: 1000 })),
})

onEachEngine(() => {
  describe('store: accepting many webhooks at once', () => {
    // More webhooks and rows than one statement holds (SQLite inserts 32 rows a statement).
    it('stores each new key once with its rows, and says which were already there, in order', async () => {
      store = await openStore(await testDatabase(), { leaseMs: 30_000 })
      expect(await store.accept([webhook('old', ['ga4'])])).toEqual(['stored'])
      const keys = Array.from({ length: 40 }, (_, i) => `k${i}`)
      const all = (key: string) => webhook(key, ['facebookPixel', 'ga4', 'segment'])
      // k3 again, with other rows: the first one stays.
      const batch = [...keys.slice(0, 20).map(all), webhook('old', ['segment']), webhook('k3', ['segment']), ...keys.slice(20).map(all)]
      const outcomes = await store.accept(batch)
      expect(outcomes).toEqual([...keys.slice(0, 20).map(() => 'stored'), 'duplicate', 'duplicate', ...keys.slice(20).map(() => 'stored')])
      const due = await store.claimDue(2000, 1000)
      expect(due).toHaveLength(1 + 40 * 3)
      // Each row as its webhook gave it; k3's are the first k3's.
      const k3 = due.filter((d) => d.key === 'k3').map((d) => [d.destination, d.request.body])
      expect(k3).toEqual([
        ['facebookPixel', { key: 'k3', seq: 0 }],
        ['ga4', { key: 'k3', seq: 1 }],
        ['segment', { key: 'k3', seq: 2 }],
      ])
      expect(new Set(due.map((d) => `${d.key} ${d.destination}`)).size).toBe(due.length)
    })
  })
})
