import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { bridgeFor, installFakeVendors, makeWindow } from './helpers'

describe('debug mode', () => {
  it('shows, per Popin event, what each destination received or why not', () => {
    const win = makeWindow()
    installFakeVendors(win)
    const { console } = bridgeFor(win, { debug: true, destinations: { facebookPixel: { pixelId: '1234567890' } } })
    win.popinEvent('nudge_show', { uid: 'u1' })
    win.popinEvent('', {})
    expect(console.log.mock.calls.map((args) => args[0])).toEqual([
      '[popin-bridge] nudge_show → facebookPixel: not sent (events.nudge_show is false)',
      '[popin-bridge] nudge_show → ga4: gtag("event", "popin_nudge_show", {"popin_uid":"u1"})',
      '[popin-bridge] nudge_show → segment: analytics.track("Nudge Shown", {"popin_uid":"u1"})',
      '[popin-bridge] nudge_show → dataLayer: dataLayer.push({"popin":null})',
      '[popin-bridge] nudge_show → dataLayer: dataLayer.push({"event":"popin.nudge_show","popin":{"uid":"u1"},"popin_event_id":"popin.nudge_show.u1"})',
      '[popin-bridge] ignored a popinEvent call without an event name',
    ])
  })

  it('explains the fixes vendor rules forced, and events that wait', () => {
    const win = makeWindow()
    win.gtag = () => undefined
    const { console } = bridgeFor(win, { debug: true, extends: 'none', destinations: { ga4: { events: { '*': { payload: true } } }, segment: {} } })
    win.popinEvent('popin-widget open', { uid: 'u1', email: 'a@b.co' })
    expect(console.log.mock.calls.map((args) => args[0])).toEqual([
      '[popin-bridge] popin-widget open → ga4: event name "popin-widget open" sent as "popin_widget_open" (GA4 naming rules)',
      '[popin-bridge] popin-widget open → ga4: dropped param "email": GA4 never receives personal data',
      '[popin-bridge] popin-widget open → ga4: gtag("event", "popin_widget_open", {"uid":"u1"})',
      '[popin-bridge] popin-widget open → segment: not sent (no rule at events.*)',
    ])
  })

  it('turns on with ?popin_bridge_debug in the page URL', () => {
    const win = makeWindow('https://shop.example/?popin_bridge_debug')
    installFakeVendors(win)
    const { console } = bridgeFor(win)
    win.popinEvent('nudge_show', { uid: 'u1' })
    expect(console.log).toHaveBeenCalled()
  })

  it('is silent by default', () => {
    const win = makeWindow()
    installFakeVendors(win)
    const { console } = bridgeFor(win)
    win.popinEvent('nudge_show', { uid: 'u1' })
    expect(console.log).not.toHaveBeenCalled()
  })
})

const hashed = (fields: Record<string, string>) =>
  Object.fromEntries(Object.entries(fields).map(([key, value]) => [key, createHash('sha256').update(value).digest('hex')]))

describe('Facebook advanced matching', () => {
  const lead = { uid: 'u1', name: ' Ada  Byron Lovelace ', email: ' Ada@Example.COM ', mobile: '+44 (0)7700 900123', city: 'New York', pin_code: 'NW1 6XE', country: 'GB' }

  it('is off by default: no contact detail reaches fbq', () => {
    const win = makeWindow()
    const calls = installFakeVendors(win)
    bridgeFor(win, { destinations: { facebookPixel: { pixelId: '1234567890' } } })
    win.popinEvent('popin_captured', lead)
    expect(JSON.stringify(calls.fbq)).not.toMatch(/ada|7700|york/i)
  })

  it('when enabled, re-inits the pixel with normalised, SHA-256 hashed fields before the Lead', () => {
    const win = makeWindow()
    const calls = installFakeVendors(win)
    bridgeFor(win, { destinations: { facebookPixel: { pixelId: '1234567890', advancedMatching: true } } })
    win.popinEvent('popin_captured', lead)
    expect(calls.fbq).toEqual([
      ['init', '1234567890'],
      ['init', '1234567890', hashed({ em: 'ada@example.com', ph: '447700900123', fn: 'ada', ln: 'lovelace', ct: 'newyork', zp: 'nw16xe', country: 'gb' })],
      ['trackSingle', '1234567890', 'Lead', { content_name: 'Popin lead form' }, { eventID: 'Lead.u1' }],
    ])
  })
})
