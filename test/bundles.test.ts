import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { CONFIG, EXPECTED_GTAG_EVENTS, EXPECTED_SEGMENT, idOf as sessionId, SESSION, sg } from './fixtures/session'
import { asArrays, FBQ_SNIPPET, GTAG_SNIPPET, SEGMENT_SNIPPET } from './fixtures/vendor-snippets'
import { makeWindow, type TestWindow, fixIds } from './helpers'
import { startCollector } from './support/collector'

const BUNDLES = ['popin-bridge.lite.min.js', 'popin-bridge.min.js'] as const
const source = (bundle: string) => readFileSync(join(__dirname, '../dist', bundle), 'utf8')

/** The drop-ins this file starts (window.PopinBridge of each page), destroyed after each test. */
const dropIns: TestWindow[] = []
afterEach(() => {
  for (const win of dropIns.splice(0)) win.PopinBridge?.destroy()
})

function shopPage(): TestWindow {
  const win = makeWindow()
  fixIds(win)
  win.eval(FBQ_SNIPPET)
  win.eval(GTAG_SNIPPET)
  win.eval(SEGMENT_SNIPPET)
  dropIns.push(win)
  return win
}

const at = (name: string) => SESSION.findIndex(([event]) => event === name)

/** What the page's Pixel queue holds after SESSION under CONFIG: its own base code, then the bridge's conversions. */
const EXPECTED_FBQ = [
  ['init', '1234567890'],
  ['track', 'PageView'],
  ['trackSingleCustom', '1234567890', 'PopinPermissionGiven', { audio: true, video: true }, { eventID: sessionId(at('popin_permission_given')) }],
  ['trackSingle', '1234567890', 'Contact', { content_name: 'Popin video call', call_id: 'call-77' }, { eventID: sessionId(at('popin_call_end')) }],
  ['trackSingleCustom', '1234567890', 'PopinCallRated', { rating: 5 }, { eventID: sessionId(at('popin_rating_done')) }],
  ['trackSingle', '1234567890', 'Lead', { content_name: 'Popin lead form', content_category: 'sofas' }, { eventID: sessionId(at('popin_captured')) }],
  ['trackSingle', '1234567890', 'Schedule', { content_name: 'Popin video call' }, { eventID: sessionId(at('popin_schedule_created')) }],
  ['trackSingleCustom', '1234567890', 'PopinExpertBusy', {}, { eventID: sessionId(at('popin_expert_busy')) }],
]

/** What the dataLayer destination pushes for SESSION (personalData "send" by default): one id per occurrence. */
const EXPECTED_DATALAYER_EVENTS = SESSION.map(([name, data], index) => ({
  event: data.screen ? 'popin.screen_view' : `popin.${name}`,
  popin: data,
  popin_event_id: sessionId(index),
}))

/** Segment's snippet appends page context to each queued call: checked, then set aside. */
function segmentCalls(win: TestWindow): unknown[][] {
  return (win.analytics as unknown[][]).map((call) => {
    const last = call[call.length - 1] as { __t?: string; u?: string }
    expect(last).toMatchObject({ __t: 'bpc', u: 'https://shop.example/product/42?ref=ad', t: 'Blue Sofa' })
    return call.slice(0, -1)
  })
}

it("every script a page loads opens with V8's compile hint (src/tag/build.ts, COMPILE_HINT)", () => {
  for (const file of ['popin-bridge.lite.min.js', 'popin-bridge.lite.debug.js', 'popin-bridge.min.js', 'popin-bridge.relay.min.js', 'popin-bridge.debugger.js']) {
    expect(source(file).startsWith('//# allFunctionsCalledOnLoad\n'), file).toBe(true)
  }
})

it('no build but the compiled tag\'s runtime looks up a __TAG_*__ feature flag: a page global cannot switch a feature off', () => {
  for (const file of ['popin-bridge.lite.min.js', 'popin-bridge.lite.debug.js', 'popin-bridge.min.js', 'index.js', 'core.js']) expect(source(file), file).not.toMatch(/__TAG_/)
  expect(source('tag-runtime.js')).toMatch(/__TAG_TCF__/)
})

describe.each(BUNDLES)('%s in a shop page with the official vendor snippets', (bundle) => {
  it('routes a whole widget session: the exact ordered calls each destination received', () => {
    const win = shopPage()
    win.popinBridgeConfig = CONFIG
    win.eval(source(bundle))
    for (const [name, data] of SESSION) win.popinEvent(name, data)

    expect(asArrays(win.fbq.queue)).toEqual(EXPECTED_FBQ)
    const layer = win.dataLayer as unknown[]
    const gtagCalls = asArrays(layer.filter((entry) => !('event' in (entry as object)) && !('popin' in (entry as object))) as ArrayLike<unknown>[])
    expect(gtagCalls[0]![0]).toBe('js')
    expect(gtagCalls.slice(1)).toEqual([['config', 'G-PAGE1234'], ...EXPECTED_GTAG_EVENTS])
    expect(layer.filter((entry) => 'event' in (entry as object))).toEqual(EXPECTED_DATALAYER_EVENTS)
    expect(layer.filter((entry) => 'popin' in (entry as object) && !('event' in (entry as object)))).toHaveLength(SESSION.length)
    expect(segmentCalls(win)).toEqual(EXPECTED_SEGMENT)
    // The Pixel and GTM share each occurrence's id (deduplication); no two occurrences share one.
    const pushed = layer.filter((entry) => 'event' in (entry as object)) as { popin_event_id: string }[]
    const ids = pushed.map((entry) => entry.popin_event_id)
    expect(new Set(ids).size).toBe(SESSION.length)
    for (const call of asArrays(win.fbq.queue).slice(2)) {
      const { eventID } = call[4] as { eventID: string }
      expect(ids).toContain(eventID)
    }
  })

  it('exposes window.PopinBridge; a second copy of the script and a second init never double-send', () => {
    const win = shopPage()
    win.popinBridgeConfig = CONFIG
    win.eval(source(bundle))
    const api = win.PopinBridge
    expect(api.version).toBe(JSON.parse(readFileSync(join(__dirname, '../package.json'), 'utf8')).version)
    win.eval(source(bundle))
    expect(win.PopinBridge).toBe(api)
    api.init(CONFIG)
    win.popinEvent('popin_call_end', { uid: 'u-1', callId: 'c-1' })
    // Sent once, by the new bridge (its occurrences count from 0 again).
    expect(asArrays(win.fbq.queue).filter((call) => call[2] === 'Contact')).toEqual([
      ['trackSingle', '1234567890', 'Contact', { content_name: 'Popin video call', call_id: 'c-1' }, { eventID: 'popin_call_end.00.0' }],
    ])
    expect(segmentCalls(win)).toEqual([sg('Call Ended', { call_id: 'c-1' })])
    api.destroy()
    expect(win.popinEvent).toBeUndefined()
  })

  it('reads the config from the script tag data-config; bad JSON there runs nothing, breaks nothing, and is reported', () => {
    const win = shopPage()
    const script = win.document.createElement('script')
    script.setAttribute('data-config', JSON.stringify({ extends: 'none', destinations: { segment: { events: { nudge_show: { name: 'Nudge Seen' } } } } }))
    script.textContent = source(bundle)
    win.document.body.appendChild(script)
    win.popinEvent('nudge_show', { uid: 'u-1' })
    win.popinEvent('nudge_open', { uid: 'u-1' })
    expect(segmentCalls(win)).toEqual([['track', 'Nudge Seen', {}]])
    expect(asArrays(win.fbq.queue)).toHaveLength(2)

    const broken = shopPage()
    const errors: unknown[] = []
    broken.console.error = (...args: unknown[]) => errors.push(args[0])
    const tag = broken.document.createElement('script')
    tag.setAttribute('data-config', '{"destinations": {')
    tag.textContent = source(bundle)
    broken.document.body.appendChild(tag)
    broken.popinEvent('nudge_show', { uid: 'u-1' })
    // Not a config: nothing runs (it may have asked for consent), and the bridge says so too.
    expect(errors).toHaveLength(2)
    expect(String(errors[0])).toMatch(/^\[popin-bridge\] data-config is not valid JSON \(.+\): nothing runs until it is fixed$/)
    expect(String(errors[1])).toBe('[popin-bridge] the config has 1 problem(s).\nconfig: is not valid: npx popin-bridge validate <config.json> says why')
    expect(segmentCalls(broken)).toEqual([])
    expect(asArrays(broken.fbq.queue)).toHaveLength(2)
  })

  it('is safe in <head> before <body> exists: events wait, then flow', () => {
    const win = makeWindow()
    fixIds(win)
    dropIns.push(win)
    win.document.write('')
    win.document.open()
    win.document.write('<!doctype html><html><head><title>t</title>')
    win.eval(FBQ_SNIPPET)
    win.popinBridgeConfig = CONFIG
    expect(() => win.eval(source(bundle))).not.toThrow()
    win.popinEvent('popin_call_end', { uid: 'u-1', callId: 'c-1' })
    win.document.write('</head><body><p>shop</p></body></html>')
    win.document.close()
    expect(asArrays(win.fbq.queue).slice(2)).toEqual([
      ['trackSingle', '1234567890', 'Contact', { content_name: 'Popin video call', call_id: 'c-1' }, { eventID: 'popin_call_end.00.0' }],
    ])
  })
})

describe('popin-bridge.min.js loading Segment itself (the slimmed analytics-next)', () => {
  it('posts to the configured API host', async () => {
    const collector = await startCollector()
    try {
      // http: happy-dom blocks mixed content, as browsers do, and the collector is plain http.
      const win = makeWindow('http://shop.example/product/42?ref=ad')
      dropIns.push(win)
      const writeKey = 'testWriteKey0003'
      win.popinBridgeConfig = {
        destinations: {
          segment: { writeKey, apiHost: `${collector.url}/v1`, cdnSettings: { integrations: { 'Segment.io': { apiKey: writeKey } } } },
        },
      }
      win.eval(source('popin-bridge.min.js'))
      win.popinEvent('popin_call_end', { uid: 'u-1', callId: 'c-1', invited: false })
      const [request] = await collector.waitFor(1)
      expect(request).toMatchObject({
        path: '/v1/t',
        body: { type: 'track', event: 'Call Ended', properties: { popin_uid: 'u-1', call_id: 'c-1', invited: false }, writeKey },
      })
      expect(request!.body.context.page).toMatchObject({ url: 'http://shop.example/product/42?ref=ad', title: 'Blue Sofa' })
      win.PopinBridge.destroy()
    } finally {
      await collector.close()
    }
  })
})
