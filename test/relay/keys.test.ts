import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { keyHash, shortKey, timedKey } from '../../src/relay/keys'
import { idempotencyKey } from '../../src/relay/webhook'

const sha = (text: string) => createHash('sha256').update(text).digest('hex')
/** 2026-12-01T10:00:00Z in seconds, as the key's 8 hex digits. */
const TEN_AM = '6b0e9aa0'

describe("a webhook's key", () => {
  it("is the webhook's time in seconds, then the SHA-256 of its JSON with keys sorted at every depth", () => {
    const body = { user_id: 'pu-1', timestamp: '2026-12-01T10:00:00Z', event: 'popin_call_missed', properties: { product: 'Sofa', group: 'g' } }
    const canonical = JSON.stringify({ event: 'popin_call_missed', properties: { group: 'g', product: 'Sofa' }, timestamp: '2026-12-01T10:00:00Z', user_id: 'pu-1' })
    expect(Date.UTC(2026, 11, 1, 10).toString()).toBe(`${parseInt(TEN_AM, 16)}000`)
    expect(idempotencyKey(body)).toBe(TEN_AM + sha(canonical).slice(0, 56))
    expect(keyHash(idempotencyKey(body))).toBe(sha(canonical).slice(0, 56))
    expect(shortKey(idempotencyKey(body))).toBe(sha(canonical).slice(0, 12))
  })

  it('reads every timestamp format Popin may send, a wall-clock time as UTC', () => {
    for (const timestamp of ['2026-12-01T10:00:00Z', '2026-12-01T11:00:00+01:00', '2026-12-01 10:00:00', '2026-12-01T10:00:00.999', 'Tue, 01 Dec 2026 10:00:00 GMT', 1796119200, '1796119200', 1796119200000]) {
      expect(idempotencyKey({ event: 'popin_call_end', timestamp }).slice(0, 8), String(timestamp)).toBe(TEN_AM)
    }
  })

  it('sorts as the webhooks happened, whatever their content', () => {
    const keys = [0, 1, 2, 60, 3600].map((seconds, i) => idempotencyKey({ event: 'popin_call_end', user_id: `u-${5 - i}`, timestamp: 1796119200 + seconds }))
    expect([...keys].sort()).toEqual(keys)
    expect(new Set(keys).size).toBe(5)
  })

  it('is the same for the same webhook sent again, and differs when anything in it does', () => {
    const body = { event: 'popin_call_end', timestamp: 1796119200, properties: { callId: 'c-1' } }
    expect(idempotencyKey(structuredClone(body))).toBe(idempotencyKey(body))
    expect(idempotencyKey({ ...body, properties: { callId: 'c-2' } })).not.toBe(idempotencyKey(body))
  })

  it('starts with zeros when the time is missing or unreadable, and is still 64 hex digits', () => {
    // The last three: forms Date.parse reads in the process's own zone, different on each host.
    for (const timestamp of [undefined, 'soon', -1e20, 1e300, '8640000000000001', -5, '12/01/2026 10:00:00', 'Dec 1, 2026 10:00 AM', 'Tue, 01 Dec 2026 10:00:00']) {
      const key = idempotencyKey({ event: 'popin_call_end', timestamp })
      expect(key, String(timestamp)).toMatch(/^00000000[0-9a-f]{56}$/)
    }
  })

  it('takes a time past 2106 (or before 1970) as unknown, not as a key out of order', () => {
    expect(timedKey(2 ** 32 * 1000, 'f'.repeat(64))).toBe(`00000000${'f'.repeat(56)}`)
    expect(timedKey(-1000, 'f'.repeat(64))).toBe(`00000000${'f'.repeat(56)}`)
    expect(timedKey((2 ** 32 - 1) * 1000, 'a'.repeat(64))).toBe(`ffffffff${'a'.repeat(56)}`)
  })
})
