import { createHash } from 'node:crypto'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createBridge } from '../src/index'
import { startCollector } from './support/collector'
import { makeConsole } from './helpers'

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex')

let cleanup: (() => unknown)[] = []
afterEach(async () => {
  for (const step of cleanup.reverse()) await step()
  cleanup = []
})

describe('Segment loaded by the bridge (analytics-next, no page snippet)', () => {
  it('posts track and identify to the configured API host, with nothing fetched from the CDN', async () => {
    const collector = await startCollector()
    cleanup.push(collector.close)
    const writeKey = 'testWriteKey0001'
    const bridge = createBridge(
      {
        extends: 'none',
        destinations: {
          segment: {
            writeKey,
            apiHost: `${collector.url}/v1`,
            cdnSettings: { integrations: { 'Segment.io': { apiKey: writeKey } } },
            events: {
              popin_captured: [
                { call: 'identify', params: { email: { '@path': 'email' } } },
                { call: 'track', name: 'Lead Captured', params: { popin_uid: { '@path': 'uid' } } },
              ],
            },
          },
        },
      },
      { console: makeConsole() },
    )
    cleanup.push(() => bridge.destroy())
    ;(window as any).popinEvent('popin_captured', { uid: 'u-1', email: 'ada@example.com' })
    const received = await collector.waitFor(2)
    const byPath = Object.fromEntries(received.map((r) => [r.path, r.body]))
    expect(Object.keys(byPath).sort()).toEqual(['/v1/i', '/v1/t'])
    expect(byPath['/v1/i']).toMatchObject({ type: 'identify', traits: { email: 'ada@example.com' }, writeKey })
    expect(byPath['/v1/i'].userId ?? null).toBeNull()
    expect(byPath['/v1/t']).toMatchObject({ type: 'track', event: 'Lead Captured', properties: { popin_uid: 'u-1' }, writeKey })
    expect(byPath['/v1/t'].anonymousId).toBe(byPath['/v1/i'].anonymousId)
  })

  it('with personalData "hash", the traits it posts are SHA-256 digests, never the text', async () => {
    const collector = await startCollector()
    cleanup.push(collector.close)
    const writeKey = 'testWriteKey0004'
    const bridge = createBridge(
      {
        extends: 'none',
        destinations: {
          segment: {
            writeKey,
            personalData: 'hash',
            apiHost: `${collector.url}/v1`,
            cdnSettings: { integrations: { 'Segment.io': { apiKey: writeKey } } },
            events: {
              popin_captured: [
                { call: 'identify', params: { email: { '@path': 'email' }, city: { '@path': 'city' }, popin_group: { '@path': 'group' } } },
                { call: 'track', name: 'Lead Captured', params: { popin_uid: { '@path': 'uid' } } },
              ],
            },
          },
        },
      },
      { console: makeConsole() },
    )
    cleanup.push(() => bridge.destroy())
    ;(window as any).popinEvent('popin_captured', { uid: 'u-1', email: ' Ada@Example.com ', city: 'Camden', group: 'sofas' })
    // The digests are computed first (WebCrypto is async), then both calls go, in order.
    const received = await collector.waitFor(2)
    const byPath = Object.fromEntries(received.map((r) => [r.path, r.body]))
    expect(Object.keys(byPath).sort()).toEqual(['/v1/i', '/v1/t'])
    expect(byPath['/v1/i'].traits).toEqual({ email: sha256('ada@example.com'), city: sha256('camden'), popin_group: 'sofas' })
    expect(byPath['/v1/t']).toMatchObject({ type: 'track', event: 'Lead Captured', properties: { popin_uid: 'u-1' }, writeKey })
    expect(JSON.stringify(received)).not.toMatch(/ada@|camden/i)
  })

  it('contains a failed load (API and CDN unreachable): no throw, no unhandled rejection, other destinations deliver', async () => {
    const unhandled = vi.fn()
    process.on('unhandledRejection', unhandled)
    cleanup.push(() => process.off('unhandledRejection', unhandled))
    const console = makeConsole()
    ;(window as any).dataLayer = []
    cleanup.push(() => delete (window as any).dataLayer)
    const bridge = createBridge(
      { readyTimeoutMs: 3000, destinations: { segment: { writeKey: 'testWriteKey0002', cdnUrl: 'http://127.0.0.1:9' } } },
      { console },
    )
    cleanup.push(() => bridge.destroy())
    expect(() => (window as any).popinEvent('nudge_show', { uid: 'u-1' })).not.toThrow()
    expect((window as any).dataLayer.at(-1)).toMatchObject({ event: 'popin.nudge_show' })
    await vi.waitFor(() => expect(console.error).toHaveBeenCalled(), { timeout: 4000 })
    expect(console.error.mock.calls[0]![0]).toBe('[popin-bridge] segment: Segment failed to load (blocked or offline?); other destinations are unaffected')
    expect(unhandled).not.toHaveBeenCalled()
  })
})
