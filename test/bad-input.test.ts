import { describe, expect, it } from 'vitest'
import { GA4_LIMITS } from '../adapters/ga4/limits'
import {
  LONG_EVENT_NAME,
  MEGABYTE_CALLS,
  MISSHAPEN_CALLS,
  NAMELESS_CALLS,
  NON_STRING_SCREENS,
  NOT_POPIN_LIKE,
  ODD_PAYLOADS,
  PROTOTYPE_KEY_CALLS,
  PROTOTYPE_NAMES,
  trickyCalls,
  UNDOCUMENTED_PERSONAL,
  widePayload,
} from './fixtures/bad-input'
import { bridgeFor, installFakeVendors, makeWindow, fixIds } from './helpers'

describe('bad input from the widget never throws, pollutes or breaks a vendor limit', () => {
  it('handles every malformed call without throwing, and sends nothing for calls without a name', () => {
    const win = makeWindow()
    const calls = installFakeVendors(win)
    const { console } = bridgeFor(win)
    const popinEvent = win.popinEvent as (...args: unknown[]) => void
    expect(() => NAMELESS_CALLS.forEach((args) => popinEvent(...args))).not.toThrow()
    expect(calls).toEqual({ fbq: [], gtag: [], analytics: [] })
    expect(win.dataLayer).toEqual([])
    expect(console.error).not.toHaveBeenCalled()
  })

  it('sends an event whose data is null, undefined, a string, a number or an array with an empty payload', () => {
    const win = makeWindow()
    const calls = installFakeVendors(win)
    bridgeFor(win)
    for (const data of ODD_PAYLOADS) win.popinEvent('nudge_show', data)
    expect(calls.analytics).toEqual(Array(5).fill(['track', 'Nudge Shown', {}]))
    expect(calls.gtag).toEqual(Array(5).fill(['event', 'popin_nudge_show', {}]))
  })

  it('keeps every GA4 value within 100 characters and cuts 1 MB strings everywhere', () => {
    const win = makeWindow()
    const calls = installFakeVendors(win)
    bridgeFor(win)
    for (const [name, data] of MEGABYTE_CALLS) win.popinEvent(name, data)
    // A 1 MB uid is no id, a 1 MB time no time and 150 T's no time zone: GA4 gets none of them.
    // A 150-character label (the shop's widget group) is cut to 100.
    expect(calls.gtag).toEqual([
      ['event', 'popin_widget_open', {}],
      ['event', 'popin_rating', { rating: 5 }],
      ['event', 'popin_schedule_created', {}],
      ['event', 'generate_lead', { lead_source: 'popin', popin_group: 'T'.repeat(GA4_LIMITS.valueLength) }],
    ])
    const everything = JSON.stringify([calls, win.dataLayer])
    expect(everything.length).toBeLessThan(25_000)
  })

  it('keeps out a time zone Intl does not know and a time that is words, and lets real ones through', () => {
    const win = makeWindow()
    const calls = installFakeVendors(win)
    bridgeFor(win)
    for (const [name, data] of MISSHAPEN_CALLS) win.popinEvent(name, data)
    expect(calls.gtag).toEqual([
      ['event', 'popin_schedule_created', { popin_uid: 'u-1' }],
      ['event', 'popin_schedule_created', { schedule_time: '15:30', schedule_timezone: 'Asia/Kolkata', popin_uid: 'u-1' }],
    ])
  })

  it('cuts long names and values between characters, never inside one: no lone half of an emoji reaches a vendor', () => {
    const win = makeWindow()
    const calls = installFakeVendors(win)
    bridgeFor(win)
    const emoji = '😀'
    win.popinEvent(`p${emoji.repeat(60)}`, { uid: 'u-1', note: emoji.repeat(600_000) })
    win.popinEvent('popin_captured', { uid: 'u-1', group: `s${emoji.repeat(60)}` })
    const lone = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/
    const sent = JSON.stringify([calls, win.dataLayer])
    expect(lone.test(sent)).toBe(false)
    const name = `p${emoji.repeat(49)}`
    expect(calls.analytics[0]).toEqual(['track', name, { uid: 'u-1', note: emoji.repeat(500) }])
    // GA4 takes no unknown event whose name is not a Popin name: only the lead.
    expect(calls.gtag).toEqual([['event', 'generate_lead', { lead_source: 'popin', popin_group: `s${emoji.repeat(49)}`, popin_uid: 'u-1' }]])
  })

  it('ignores __proto__ and constructor keys and never pollutes prototypes', () => {
    const win = makeWindow()
    const calls = installFakeVendors(win)
    bridgeFor(win)
    for (const [name, data] of PROTOTYPE_KEY_CALLS()) win.popinEvent(name, data)
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined()
    expect((Object.prototype as Record<string, unknown>).isAdmin).toBeUndefined()
    expect(calls.analytics[0]).toEqual(['track', 'popin_widget_open', { uid: 'u1' }])
  })

  it('__proto__, constructor and toString are event names like any other: unknown events, nothing throws, no prototype is touched', () => {
    const win = makeWindow()
    fixIds(win)
    const calls = installFakeVendors(win)
    const { console } = bridgeFor(win)
    const prototypeKeys = Object.getOwnPropertyNames(Object.prototype).sort()
    const { toString, constructor } = Object.prototype
    expect(() => {
      for (const name of PROTOTYPE_NAMES) win.popinEvent(name, { uid: 'u-1' })
    }).not.toThrow()
    // Not Popin-like names: GA4's {{event}} renders empty, so GA4 gets nothing; Facebook's preset has no "*" rule.
    expect(calls.gtag).toEqual([])
    expect(calls.fbq).toEqual([])
    expect(calls.analytics).toEqual([
      ['track', '__proto__', { uid: 'u-1' }],
      ['track', 'constructor', { uid: 'u-1' }],
      ['track', 'toString', { uid: 'u-1' }],
    ])
    expect((win.dataLayer as object[]).filter((entry) => 'event' in entry)).toEqual([
      { event: 'popin.__proto__', popin: { uid: 'u-1' }, popin_event_id: '00.0' },
      { event: 'popin.constructor', popin: { uid: 'u-1' }, popin_event_id: '00.1' },
      { event: 'popin.toString', popin: { uid: 'u-1' }, popin_event_id: '00.2' },
    ])
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(prototypeKeys)
    expect(Object.prototype.toString).toBe(toString)
    expect(Object.prototype.constructor).toBe(constructor)
    expect(({} as Record<string, unknown>).uid).toBeUndefined()
    expect(console.error).not.toHaveBeenCalled()
  })

  it('a throwing getter costs its key, a cycle is cut at 4 levels, keys that throw or 200 levels cost the payload: nothing throws', () => {
    const win = makeWindow()
    fixIds(win)
    const calls = installFakeVendors(win)
    const { console } = bridgeFor(win)
    expect(() => trickyCalls().forEach(([name, data]) => win.popinEvent(name, data))).not.toThrow()
    expect(calls.analytics).toEqual([
      ['track', 'Call Rated', { popin_uid: 'u1', rating: 4 }],
      ['track', 'Call Ended', { popin_uid: 'u1', call_id: 'call-9' }],
      ['track', 'Nudge Shown', {}],
      ['track', 'popin_widget_open', { uid: 'u1' }],
    ])
    const call = { uid: 'u1', callId: 'call-9' }
    const { popin } = (win.dataLayer as { event?: string; popin: any }[]).find((entry) => entry.event === 'popin.popin_call_end')!
    expect(popin.self.self.self).toEqual(call)
    expect(popin.list).toEqual([{ ...call, self: call }, { back: call }])
    expect(console.error).not.toHaveBeenCalled()
  })

  it('treats a non-string screen as an ordinary event, never as a screen view', () => {
    const win = makeWindow()
    const calls = installFakeVendors(win)
    bridgeFor(win)
    for (const [name, data] of NON_STRING_SCREENS) win.popinEvent(name, data)
    // The preset's "*" rule for unknown events, not popin_screen_view; neither an object nor a
    // number is a screen id, so GA4 gets neither.
    expect(calls.gtag).toEqual([
      ['event', 'popin_screen', { popin_uid: 'u1' }],
      ['event', 'popin_screen', { popin_uid: 'u1' }],
    ])
    expect(calls.analytics).toEqual([
      ['track', 'popin_screen', { uid: 'u1', screen: { id: 'SCREEN_CHAT' } }],
      ['track', 'popin_screen', { uid: 'u1', screen: 12 }],
    ])
  })

  it('fixes GA4 names and drops what GA4 would reject, whatever the payload holds', () => {
    const win = makeWindow()
    const calls = installFakeVendors(win)
    bridgeFor(win)
    win.popinEvent(LONG_EVENT_NAME, widePayload())
    // Cut to 40 characters; session_id is GA4's own: renamed; "bad key" is no param name; no object
    // params; email and free text never; then the first fields up to GA4's 25 parameters.
    expect(calls.gtag).toEqual([
      [
        'event',
        'popin_widget_opened_from_the_launcher_bu',
        { popin_session_id: 's-1', ...Object.fromEntries(Array.from({ length: GA4_LIMITS.params - 1 }, (_, i) => [`field_${i}`, i])) },
      ],
    ])
    // A name that is not Popin-like ("Popin Widget-Opened!") is not fixed up for GA4: it is not sent at all.
    win.popinEvent(NOT_POPIN_LIKE, { uid: 'u1' })
    expect(calls.gtag).toHaveLength(1)
  })

  it('never sends personal data to GA4 or to Facebook custom data, even when the config maps it', () => {
    const win = makeWindow()
    fixIds(win)
    const calls = installFakeVendors(win)
    const { bridge } = bridgeFor(win, {
      destinations: { ga4: { events: { '*': { payload: true } } }, facebookPixel: { events: { '*': { name: 'PopinOther', payload: true } } } },
    })
    expect(bridge.problems).toEqual([])
    win.popinEvent('popin_auto_capture', UNDOCUMENTED_PERSONAL)
    // Only the id-like values of fields nobody documented pass ("gold" could be anything: left out).
    expect(calls.gtag).toEqual([['event', 'popin_auto_capture', { popin_uid: 'u1', plan: 'pro-2' }]])
    expect(calls.fbq).toEqual([['trackCustom', 'PopinOther', { uid: 'u1', plan: 'pro-2' }, { eventID: '00.0' }]])
  })
})

describe('a config the page got wrong never throws into it', () => {
  it('a cyclic, a 20,000-level deep or a throwing config: one problem, and nothing runs (it may have asked for consent)', () => {
    const cyclic: Record<string, unknown> = { debug: false }
    cyclic.destinations = { ga4: { events: { loop: cyclic } } }
    let deep: Record<string, unknown> = {}
    for (let i = 0; i < 20_000; i++) deep = { a: deep }
    const throwing = Object.defineProperty({}, 'destinations', { enumerable: true, get: () => { throw new Error('boom') } })
    const proxy = new Proxy({}, { ownKeys: () => { throw new Error('trap') } })
    for (const config of [cyclic, { destinations: { ga4: { events: { x: { params: deep } } } } }, throwing, proxy]) {
      const win = makeWindow()
      const calls = installFakeVendors(win)
      let started: ReturnType<typeof bridgeFor> | undefined
      expect(() => (started = bridgeFor(win, config as never))).not.toThrow()
      expect(started!.bridge.problems).toHaveLength(1)
      expect(started!.bridge.problems[0]!.path).toBe('config')
      expect(started!.console.error).toHaveBeenCalledTimes(1)
      expect(started!.bridge.destinations).toEqual([])
      win.popinEvent('nudge_show', { uid: 'u1' })
      expect([calls.gtag, calls.fbq, calls.analytics, win.dataLayer]).toEqual([[], [], [], []])
    }
  })

  it('validateConfig reports such a config instead of throwing', async () => {
    const { validateConfig } = await import('../src/index')
    let deep: Record<string, unknown> = {}
    for (let i = 0; i < 20_000; i++) deep = { a: deep }
    expect(validateConfig({ destinations: { segment: { cdnSettings: deep } } })).toEqual([{ path: 'config', message: 'nests deeper than 32 levels' }])
  })
})
