import { createHash } from 'node:crypto'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { pageAdapters } from '../adapters/index'
import type { Call } from '../src/adapter'
import { createBridgeWith } from '../src/bridge'
import { createRelayChannel, type WireBatch } from '../src/first-party/channel'
import { CHANNEL_GLOBAL, loadRelayChannel } from '../src/first-party/load-channel'
import { gaClientId, gaSessionId } from '../src/first-party/visit-keys'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fixIds, installFakeVendors, makeWindow, type TestWindow } from './helpers'
import { compiledTag } from './support/compiled-tags'

const sha = (text: string) => createHash('sha256').update(text).digest('hex')
const NOW = Date.UTC(2026, 11, 1, 11, 0, 0)
const RELAY = 'https://shop.example/pb'
const CONFIG = { relayUrl: RELAY, destinations: { facebookPixel: { pixelId: '1234567890' }, ga4: { measurementId: 'G-TEST1234' } } }
const FBP = 'fb.1.1764590000000.1234567890'
const GA = 'GA1.1.1197596843.1673515099'

beforeEach(() => void vi.useFakeTimers({ now: NOW, toFake: ['Date'] }))
afterEach(() => void vi.useRealTimers())

/** A shop page with the vendors' globals, the visitor's cookies, and a recording sendBeacon. */
function shop(url = 'https://shop.example/product/42?fbclid=IwAR2xYz_abc-DEF&ref=ad', cookies = [`_fbp=${FBP}`, `_ga=${GA}`, '_ga_TEST1234=GS2.1.s1747132561$o5$g1$t1747132655$j0$l0$h0']) {
  const win = makeWindow(url)
  fixIds(win)
  const calls = installFakeVendors(win)
  for (const cookie of cookies) win.document.cookie = cookie
  const beacon = vi.fn((_url: string, _body: string) => true)
  win.navigator.sendBeacon = beacon
  return { win, calls, beacon, batches: () => beacon.mock.calls.map(([to, body]) => [to, JSON.parse(body)] as [string, WireBatch]) }
}

/** A bridge as `popin-bridge` (npm) starts it: with the channel itself, not loaded from the relay. */
const withChannel = (win: TestWindow, config: unknown = CONFIG) => {
  const bridge = createBridgeWith(config as never, { adapters: pageAdapters, window: win as never, console: { log: vi.fn(), warn: vi.fn(), error: vi.fn() }, relayChannel: createRelayChannel })
  started.push(bridge)
  return bridge
}
const started: { destroy(): void }[] = []
afterEach(() => started.splice(0).forEach((bridge) => bridge.destroy()))
const settle = () => new Promise((resolve) => setTimeout(resolve, 20))

const CALL_END = { uid: 'u-1', callId: 'call-77', invited: false }
const CAPTURED = { uid: 'u-1', name: 'Ada Lovelace', email: 'Ada@Example.com', mobile: '+44 7700 900123', country: 'GB', group: 'sofas' }
const callEnd = (index: number, destinations = ['facebookPixel', 'ga4', 'segment']) => ({
  id: `popin_call_end.00.${index}`,
  event: 'popin_call_end',
  at: NOW,
  uid: 'u-1',
  calls: Object.fromEntries(
    Object.entries({
      facebookPixel: [{ call: 'track', name: 'Contact', params: { content_name: 'Popin video call', call_id: 'call-77' } }],
      ga4: [{ call: 'event', name: 'popin_call_end', params: { call_id: 'call-77', invited: false, popin_uid: 'u-1' } }],
      segment: [{ call: 'track', name: 'Call Ended', params: { popin_uid: 'u-1', call_id: 'call-77', invited: false } }],
    }).filter(([name]) => destinations.includes(name)),
  ),
})
const KEYS = {
  facebookPixel: { fbp: FBP, fbc: `fb.1.${NOW}.IwAR2xYz_abc-DEF` },
  ga4: { client_id: '1197596843.1673515099', session_id: '1747132561' },
  segment: {},
}

describe('relayUrl: the bridge sends each occurrence to the relay', () => {
  it('one batch per tick with the match keys, the Pixel id as event id; GA4 and Segment only through the relay, the Pixel both', async () => {
    const { win, calls, batches } = shop()
    withChannel(win)
    win.popinEvent('popin_call_end', CALL_END)
    win.popinEvent('popin_captured', CAPTURED)
    expect(batches()).toEqual([])
    await settle()
    expect(batches()).toEqual([
      [
        `${RELAY}/e`,
        {
          url: 'https://shop.example/product/42',
          sent: NOW,
          keys: KEYS,
          events: [
            callEnd(0),
            {
              id: 'popin_captured.00.1',
              event: 'popin_captured',
              at: NOW,
              uid: 'u-1',
              calls: {
                facebookPixel: [{ call: 'track', name: 'Lead', params: { content_name: 'Popin lead form', content_category: 'sofas' } }],
                ga4: [{ call: 'event', name: 'generate_lead', params: { lead_source: 'popin', popin_group: 'sofas', popin_uid: 'u-1' } }],
                segment: [
                  { call: 'identify', name: 'popin_captured', params: { name: 'Ada Lovelace', email: 'Ada@Example.com', phone: '+44 7700 900123', address: { country: 'GB' }, popin_group: 'sofas' } },
                  { call: 'track', name: 'Lead Captured', params: { popin_uid: 'u-1', group: 'sofas' } },
                ],
              },
              // Hashed as Meta normalises them, so a webhook with the same email or phone finds the visit.
              lead: { em: sha('ada@example.com'), ph: sha('447700900123') },
            },
          ],
        },
      ],
    ])
    // The Pixel gets the same ids (Meta keeps one of each pair); gtag and analytics.js get no event.
    expect(calls.fbq).toEqual([
      ['init', '1234567890'],
      ['trackSingle', '1234567890', 'Contact', { content_name: 'Popin video call', call_id: 'call-77' }, { eventID: 'popin_call_end.00.0' }],
      ['trackSingle', '1234567890', 'Lead', { content_name: 'Popin lead form', content_category: 'sofas' }, { eventID: 'popin_captured.00.1' }],
    ])
    expect(calls.gtag.filter((args) => args[0] === 'event')).toEqual([])
    expect(calls.analytics).toEqual([])
  })

  it("debug mode's trace shows what each destination handed to the relay, with the call", async () => {
    const { win } = shop()
    withChannel(win, { ...CONFIG, debug: true })
    win.popinEvent('popin_call_end', CALL_END)
    await settle()
    const relayed = (win as any).popinBridgeTrace.filter((record: any) => record.type === 'sent' && record.vendorCall.fn === 'relay')
    expect(relayed.map(({ destination, id, event, text, vendorCall, call }: any) => ({ destination, id, event, text, vendorCall, name: call.name, params: call.params }))).toEqual([
      { destination: 'facebookPixel', id: 'popin_call_end.00.0', event: 'popin_call_end', text: `to the relay, ${RELAY}/e`, vendorCall: { fn: 'relay', args: ['Contact'] }, name: 'Contact', params: { content_name: 'Popin video call', call_id: 'call-77' } },
      { destination: 'ga4', id: 'popin_call_end.00.0', event: 'popin_call_end', text: `to the relay, ${RELAY}/e`, vendorCall: { fn: 'relay', args: ['popin_call_end'] }, name: 'popin_call_end', params: { call_id: 'call-77', invited: false, popin_uid: 'u-1' } },
      { destination: 'segment', id: 'popin_call_end.00.0', event: 'popin_call_end', text: `to the relay, ${RELAY}/e`, vendorCall: { fn: 'relay', args: ['Call Ended'] }, name: 'Call Ended', params: { popin_uid: 'u-1', call_id: 'call-77', invited: false } },
    ])
  })

  it('the lite drop-in and the compiled tag hand the channel from <relayUrl>/e.js the same batches and calls', async () => {
    const dist = (file: string) => readFileSync(join(__dirname, '../dist', file), 'utf8')
    const tag = await compiledTag(CONFIG)
    const play = async (source: string) => {
      const page = shop()
      // As if <relayUrl>/e.js had loaded already.
      page.win.eval(dist('popin-bridge.relay.min.js'))
      page.win.popinBridgeConfig = CONFIG
      page.win.eval(source)
      page.win.popinEvent('popin_call_end', CALL_END)
      page.win.popinEvent('popin_captured', CAPTURED)
      page.win.PopinBridge.consent({ analytics: false })
      page.win.popinEvent('nudge_show', { uid: 'u-1' })
      await settle()
      page.win.PopinBridge.destroy()
      // As data from this realm; the page's own clock (the fake one is this realm's) set aside.
      const timeless = JSON.stringify({ batches: page.batches(), calls: page.calls }, (key, value) =>
        key === 'at' || key === 'sent' ? 0 : key === 'fbc' ? value.replace(/^fb\.1\.\d+\./, 'fb.1.T.') : value,
      )
      return JSON.parse(timeless) as { batches: [string, WireBatch][]; calls: typeof page.calls }
    }
    const lite = await play(dist('popin-bridge.lite.min.js'))
    // Analytics denied: nothing of nudge_show is left to relay (the preset's Pixel sends none).
    expect(lite.batches.flatMap(([, batch]) => batch.events.map((event) => event.id))).toEqual(['popin_call_end.00.0', 'popin_captured.00.1'])
    expect(await play(tag)).toEqual(lite)
  })

  it('without relayUrl nothing changes: the page vendors get every event, nothing is posted', async () => {
    const { win, calls, beacon } = shop()
    withChannel(win, { destinations: CONFIG.destinations })
    win.popinEvent('popin_call_end', CALL_END)
    await settle()
    expect(beacon).not.toHaveBeenCalled()
    expect(calls.gtag.filter((args) => args[0] === 'event')).toEqual([['event', 'popin_call_end', { call_id: 'call-77', invited: false, popin_uid: 'u-1', send_to: 'G-TEST1234' }]])
    expect(calls.analytics).toEqual([['track', 'Call Ended', { popin_uid: 'u-1', call_id: 'call-77', invited: false }]])
  })

  it("GA4 ids from gtag('get') once it answers; Segment's anonymousId from analytics.js; the _fbc cookie over fbclid", async () => {
    const { win, batches } = shop('https://shop.example/product/42?fbclid=IwAR2xYz_abc-DEF', [`_fbp=${FBP}`, '_fbc=fb.1.1764000000000.AbCdEf', `_ga=${GA}`])
    win.gtag = (...args: unknown[]) => {
      if (args[0] === 'get') (args[3] as (value: unknown) => void)(args[2] === 'client_id' ? '555.666' : 777)
    }
    win.analytics.user = () => ({ anonymousId: () => 'anon-4a8e1b0c' })
    withChannel(win)
    win.popinEvent('popin_call_end', CALL_END)
    await settle()
    expect(batches()[0]![1].keys).toEqual({ facebookPixel: { fbp: FBP, fbc: 'fb.1.1764000000000.AbCdEf' }, ga4: { client_id: '555.666', session_id: '777' }, segment: { anonymousId: 'anon-4a8e1b0c' } })
  })

  it("Segment's anonymousId from the ajs_anonymous_id cookie when no window.analytics answers (the full bundle's own instance): raw or JSON-quoted", async () => {
    for (const [value, expected] of [
      ['a1b2c3d4-0e5f-4a6b-8c7d-9e0f1a2b3c4d', 'a1b2c3d4-0e5f-4a6b-8c7d-9e0f1a2b3c4d'],
      ['%22a1b2c3d4-0e5f-4a6b-8c7d-9e0f1a2b3c4d%22', 'a1b2c3d4-0e5f-4a6b-8c7d-9e0f1a2b3c4d'],
    ]) {
      const { win, batches } = shop('https://shop.example/product/42', [`ajs_anonymous_id=${value}`])
      delete win.analytics.user
      withChannel(win)
      win.popinEvent('popin_call_end', CALL_END)
      await settle()
      expect(batches()[0]![1].keys.segment).toEqual({ anonymousId: expected })
    }
  })

  it('reads _ga and _ga_<stream> in the GS1 and the 2025 GS2 formats', () => {
    expect(gaClientId('GA1.1.1197596843.1673515099')).toBe('1197596843.1673515099')
    expect(gaClientId('GA1.2.1197596843.1673515099')).toBe('1197596843.1673515099')
    expect(gaClientId('junk')).toBeUndefined()
    expect(gaSessionId('GS1.1.1673933110.12.0.1673933110.60.0.0')).toBe('1673933110')
    expect(gaSessionId('GS2.1.s1747132561$o1$g0$t1747132655$j0$l0$h0')).toBe('1747132561')
    // GS2's order is not fixed.
    expect(gaSessionId('GS2.1.o1$g0$s1747132561$t1747132655')).toBe('1747132561')
    expect(gaSessionId('GS3.1.s1')).toBeUndefined()
  })

  it('consent required: nothing until a decision; then only the granted categories, with only their keys; a denied one never', async () => {
    const { win, batches } = shop()
    const bridge = withChannel(win, { ...CONFIG, consent: { required: true } })
    win.popinEvent('popin_call_end', CALL_END)
    await settle()
    expect(batches()).toEqual([])
    bridge.consent({ analytics: true, ads: false })
    win.popinEvent('popin_call_end', CALL_END)
    await settle()
    const analyticsOnly = ['ga4', 'segment']
    expect(batches()).toEqual([[`${RELAY}/e`, { url: 'https://shop.example/product/42', sent: NOW, keys: { ga4: KEYS.ga4, segment: {} }, events: [callEnd(0, analyticsOnly), callEnd(1, analyticsOnly)] }]])
  })

  it('consent denied: nothing is sent at all', async () => {
    const { win, beacon } = shop()
    const bridge = withChannel(win, { ...CONFIG, consent: { required: true } })
    win.popinEvent('popin_captured', CAPTURED)
    bridge.consent({ analytics: false, ads: false })
    win.popinEvent('popin_call_end', CALL_END)
    await settle()
    expect(beacon).not.toHaveBeenCalled()
  })

  it('flushes on pagehide, before the tick', async () => {
    const { win, beacon } = shop()
    withChannel(win)
    win.popinEvent('popin_call_end', CALL_END)
    win.dispatchEvent(new win.Event('pagehide'))
    for (let i = 0; i < 10; i++) await Promise.resolve()
    expect(beacon).toHaveBeenCalledTimes(1)
    await settle()
    expect(beacon).toHaveBeenCalledTimes(1)
  })

  it('falls back to a keepalive fetch when sendBeacon refuses; a relay that is down throws nothing into the page', async () => {
    const { win, beacon } = shop()
    beacon.mockReturnValue(false)
    const fetch = vi.fn(() => Promise.reject(new TypeError('Failed to fetch')))
    win.fetch = fetch
    const rejections: unknown[] = []
    const onRejection = (reason: unknown) => rejections.push(reason)
    process.on('unhandledRejection', onRejection)
    withChannel(win)
    expect(() => win.popinEvent('popin_call_end', CALL_END)).not.toThrow()
    await settle()
    process.off('unhandledRejection', onRejection)
    expect(fetch).toHaveBeenCalledWith(`${RELAY}/e`, { method: 'POST', body: beacon.mock.calls[0]![1], keepalive: true })
    expect(rejections).toEqual([])
  })

  it('splits a batch that would pass 60 KB', async () => {
    const { win, batches } = shop()
    withChannel(win)
    // Segment gets each comment (1,000 characters, the most a payload string keeps).
    for (let i = 0; i < 80; i++) win.popinEvent('popin_rating_done', { uid: 'u-1', rating: 5, comment: 'x'.repeat(1000) })
    await settle()
    expect(batches().length).toBe(2)
    expect(batches().flatMap(([, batch]) => batch.events.map((event) => event.id))).toEqual(Array.from({ length: 80 }, (_, i) => `popin_rating_done.00.${i}`))
    for (const [, batch] of batches()) expect(JSON.stringify(batch).length).toBeLessThanOrEqual(60_000)
  })
})

describe('the drop-ins load the channel from <relayUrl>/e.js', () => {
  it('adds the script; what happened before it ran is sent with its time', async () => {
    const win = makeWindow()
    const sent: unknown[][] = []
    const factory = vi.fn(() => ({ send: (...args: unknown[]) => void sent.push(args), consentChanged: vi.fn(), stop: vi.fn() }))
    const plan = { relayUrl: RELAY, destinations: [], queueLimit: 2 } as never
    const env = { window: win, log: { once: vi.fn() }, consent: { required: false, state: {} } } as never
    // Held back from the document, so that it "loads" when the test says (happy-dom loads no script).
    const added = vi.spyOn(win.document.head, 'appendChild').mockImplementation((node) => node)
    const channel = loadRelayChannel(win as never, plan, env)
    const script = added.mock.calls[0]![0] as unknown as HTMLScriptElement
    expect([added.mock.calls.length, script.src]).toEqual([1, `${RELAY}/e.js`])
    const calls = { ga4: [] as Call[] }
    for (let i = 0; i < 3; i++) channel.send({ name: 'nudge_show', kind: 'known', data: {} }, { eventId: `nudge_show.0.${i}` }, calls)
    // What the script defines when it runs.
    win[CHANNEL_GLOBAL] = factory
    script.onload!(new win.Event('load') as never)
    expect(factory).toHaveBeenCalledWith(win, plan, env)
    // Bounded by queueLimit: the third waited for nothing.
    expect(sent).toEqual([
      [{ name: 'nudge_show', kind: 'known', data: {} }, { eventId: 'nudge_show.0.0' }, calls, NOW],
      [{ name: 'nudge_show', kind: 'known', data: {} }, { eventId: 'nudge_show.0.1' }, calls, NOW],
    ])
    channel.send({ name: 'nudge_open', kind: 'known', data: {} }, { eventId: 'nudge_open.0.3' }, calls)
    expect(sent).toHaveLength(3)
  })
})
