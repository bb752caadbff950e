import { describe, expect, it } from 'vitest'
import { GA4_LIMITS } from '../adapters/ga4/limits'
import { bridgeFor, installFakeVendors, makeWindow } from './helpers'

const MB = 'x'.repeat(1_000_000)

describe('bad input from the widget never throws, pollutes or breaks a vendor limit', () => {
  it('handles every malformed call without throwing, and sends nothing for calls without a name', () => {
    const win = makeWindow()
    const calls = installFakeVendors(win)
    const { console } = bridgeFor(win)
    const popinEvent = win.popinEvent as (...args: unknown[]) => void
    expect(() => {
      popinEvent()
      popinEvent(undefined, { uid: 'u' })
      popinEvent(null)
      popinEvent(42, {})
      popinEvent({ event: 'nudge_show' })
      popinEvent(['nudge_show'])
    }).not.toThrow()
    expect(calls).toEqual({ fbq: [], gtag: [], analytics: [] })
    expect(win.dataLayer).toEqual([])
    expect(console.error).not.toHaveBeenCalled()
  })

  it('sends an event whose data is null, undefined, a string, a number or an array with an empty payload', () => {
    const win = makeWindow()
    const calls = installFakeVendors(win)
    bridgeFor(win)
    for (const data of [null, undefined, 'text', 7, ['a', 'b']]) win.popinEvent('nudge_show', data)
    expect(calls.analytics).toEqual(Array(5).fill(['track', 'Nudge Shown', {}]))
    expect(calls.gtag).toEqual(Array(5).fill(['event', 'popin_nudge_show', {}]))
  })

  it('keeps every GA4 value within 100 characters and cuts 1 MB strings everywhere', () => {
    const win = makeWindow()
    const calls = installFakeVendors(win)
    bridgeFor(win)
    win.popinEvent('popin_widget_open', { uid: MB, note: MB, screenName: MB })
    win.popinEvent('popin_rating_done', { uid: MB, rating: 5, comment: MB })
    const gaValues = calls.gtag.flatMap((args) => Object.values(args[2] as object))
    expect(gaValues.length).toBeGreaterThan(0)
    for (const value of gaValues) if (typeof value === 'string') expect(value.length).toBeLessThanOrEqual(GA4_LIMITS.valueLength)
    const everything = JSON.stringify([calls, win.dataLayer])
    expect(everything.length).toBeLessThan(20_000)
  })

  it('ignores __proto__ and constructor keys and never pollutes prototypes', () => {
    const win = makeWindow()
    const calls = installFakeVendors(win)
    bridgeFor(win)
    const hostile = JSON.parse('{"uid":"u1","__proto__":{"isAdmin":true},"constructor":{"prototype":{"isAdmin":true}}}')
    win.popinEvent('popin_widget_open', hostile)
    win.popinEvent('__proto__', hostile)
    win.popinEvent('constructor', { screen: '__proto__' })
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined()
    expect((Object.prototype as Record<string, unknown>).isAdmin).toBeUndefined()
    expect(calls.analytics[0]).toEqual(['track', 'popin_widget_open', { uid: 'u1' }])
  })

  it('treats a non-string screen as an ordinary event, never as a screen view', () => {
    const win = makeWindow()
    const calls = installFakeVendors(win)
    bridgeFor(win)
    win.popinEvent('popin_screen', { uid: 'u1', screen: { id: 'SCREEN_CHAT' } })
    win.popinEvent('popin_screen', { uid: 'u1', screen: 12 })
    expect(calls.gtag.map((args) => args[1])).toEqual(['popin_screen', 'popin_screen'])
    expect(calls.gtag[1]).toEqual(['event', 'popin_screen', { uid: 'u1', screen: 12 }])
  })

  it('fixes GA4 names and drops what GA4 would reject, whatever the payload holds', () => {
    const win = makeWindow()
    const calls = installFakeVendors(win)
    bridgeFor(win)
    const wide = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`field_${i}`, i]))
    win.popinEvent('Popin Widget-Opened!', { ...wide, 'bad key': 1, session_id: 's', nested: { a: 1 }, email: 'a@b.co', note: 'mail me: a@b.co' })
    const [command, name, params] = calls.gtag[0] as [string, string, Record<string, unknown>]
    expect([command, name]).toEqual(['event', 'Popin_Widget_Opened'])
    expect(Object.keys(params)).toHaveLength(GA4_LIMITS.params)
    expect(params).not.toHaveProperty('email')
    expect(params).not.toHaveProperty('note')
    expect(params).not.toHaveProperty('nested')
  })

  it('never sends personal data to GA4 or to Facebook custom data, even when the config maps it', () => {
    const win = makeWindow()
    const calls = installFakeVendors(win)
    const { bridge } = bridgeFor(win, {
      destinations: { ga4: { events: { '*': { payload: true } } }, facebookPixel: { events: { '*': { name: 'PopinOther', payload: true } } } },
    })
    expect(bridge.problems).toEqual([])
    win.popinEvent('popin_auto_capture', { uid: 'u1', captured: { email: 'a@b.co' }, name: 'Ada', mobile: '+44 1', city: 'Camden', pin_code: 'NW1', comment: 'hi', phone: '1', plan: 'pro' })
    expect(calls.gtag).toEqual([['event', 'popin_auto_capture', { uid: 'u1', plan: 'pro' }]])
    expect(calls.fbq).toEqual([['trackCustom', 'PopinOther', { uid: 'u1', plan: 'pro' }, { eventID: 'PopinOther.u1' }]])
  })
})
