import { createHash } from 'node:crypto'
import { describe, expect, it, vi } from 'vitest'
import { bridgeFor, installFakeVendors, makeWindow, fixIds } from './helpers'

/** Lets WebCrypto's digests settle: hashed calls wait for them. */
const digests = () => new Promise((resolve) => setTimeout(resolve, 20))

describe('debug mode', () => {
  it('shows, per Popin event, what each destination received or why not', () => {
    const win = makeWindow()
    fixIds(win)
    installFakeVendors(win)
    const { console } = bridgeFor(win, { debug: true, destinations: { facebookPixel: { pixelId: '1234567890' } } })
    win.popinEvent('nudge_show', { uid: 'u1' })
    win.popinEvent('', {})
    expect(console.log.mock.calls.map((args) => args[0])).toEqual([
      '[popin-bridge] set-up → facebookPixel: fbq("init", "1234567890")',
      '[popin-bridge] nudge_show → facebookPixel: not sent (events.nudge_show is false)',
      '[popin-bridge] nudge_show → ga4: gtag("event", "popin_nudge_show", {"popin_uid":"u1"})',
      '[popin-bridge] nudge_show → segment: analytics.track("Nudge Shown", {"popin_uid":"u1"})',
      '[popin-bridge] nudge_show → dataLayer: dataLayer.push({"popin":null})',
      '[popin-bridge] nudge_show → dataLayer: dataLayer.push({"event":"popin.nudge_show","popin":{"uid":"u1"},"popin_event_id":"nudge_show.00.0"})',
      '[popin-bridge] ignored a popinEvent call without an event name',
    ])
  })

  it('explains the fixes vendor rules forced, names the policy holds back, and events that wait', () => {
    const win = makeWindow()
    win.gtag = () => undefined
    const { console } = bridgeFor(win, {
      debug: true,
      extends: 'none',
      destinations: { ga4: { events: { '*': { payload: true } } }, segment: { events: { '*': true } }, dataLayer: { events: { popin_x: true } } },
    })
    const long = 'popin_widget_opened_from_the_launcher_button'
    win.popinEvent('popin-widget open', { uid: 'u1' })
    win.popinEvent(long, { uid: 'u1', email: 'a@b.co', nested: { a: 1 } })
    expect(console.log.mock.calls.map((args) => args[0])).toEqual([
      // Not a Popin-like name: GA4 may not get it ({{event}} renders empty); Segment (personalData "send") may.
      '[popin-bridge] popin-widget open → ga4: the privacy policy kept out event',
      '[popin-bridge] popin-widget open → ga4: not sent (events.popin-widget open: no name the privacy policy lets out)',
      '[popin-bridge] popin-widget open → segment: queued, waiting for analytics',
      '[popin-bridge] popin-widget open → dataLayer: not sent (no rule at events.*)',
      // GA4 never gets personal data: debug mode names what the policy held back.
      `[popin-bridge] ${long} → ga4: the privacy policy kept out email`,
      `[popin-bridge] ${long} → ga4: event name "${long}" sent as "popin_widget_opened_from_the_launcher_bu" (GA4 naming rules)`,
      `[popin-bridge] ${long} → ga4: param "uid" sent as "popin_uid" (GA4 naming rules)`,
      `[popin-bridge] ${long} → ga4: dropped param "nested": GA4 params are text, numbers or booleans`,
      `[popin-bridge] ${long} → ga4: gtag("event", "popin_widget_opened_from_the_launcher_bu", {"popin_uid":"u1"})`,
      `[popin-bridge] ${long} → segment: queued, waiting for analytics`,
      `[popin-bridge] ${long} → dataLayer: not sent (no rule at events.*)`,
    ])
  })

  it('says when a Facebook rule asks for track with a name that is not a standard event: sent with trackCustom', () => {
    const win = makeWindow()
    fixIds(win)
    const calls = installFakeVendors(win)
    const { bridge, console } = bridgeFor(win, { debug: true, destinations: { facebookPixel: { events: { popin_call_end: { name: 'PopinCallEnded', call: 'track' } } } } })
    expect(bridge.problems).toEqual([])
    win.popinEvent('popin_call_end', { uid: 'u1' })
    // The rule is merged into the preset's (its params stay).
    expect(calls.fbq).toEqual([['trackCustom', 'PopinCallEnded', { content_name: 'Popin video call' }, { eventID: 'popin_call_end.00.0' }]])
    expect(console.log.mock.calls.map((args) => args[0]).filter((line) => line.includes('facebookPixel'))).toEqual([
      '[popin-bridge] popin_call_end → facebookPixel: "PopinCallEnded" is not a Facebook standard event: sent with trackCustom',
      '[popin-bridge] popin_call_end → facebookPixel: fbq("trackCustom", "PopinCallEnded", {"content_name":"Popin video call"}, {"eventID":"popin_call_end.00.0"})',
    ])
  })

  it('turns on with ?popin_bridge_debug in the page URL', () => {
    const win = makeWindow('https://shop.example/?popin_bridge_debug')
    installFakeVendors(win)
    const { console } = bridgeFor(win)
    win.popinEvent('nudge_show', { uid: 'u1' })
    expect(console.log).toHaveBeenCalled()
  })

  it('stays off for ?popin_bridge_debug=0, =false, =off or =no', () => {
    for (const value of ['0', 'false', 'off', 'NO']) {
      const win = makeWindow(`https://shop.example/?popin_bridge_debug=${value}`)
      installFakeVendors(win)
      const { console, bridge } = bridgeFor(win)
      win.popinEvent('nudge_show', { uid: 'u1' })
      expect(console.log, value).not.toHaveBeenCalled()
      bridge.destroy()
    }
    const on = makeWindow('https://shop.example/?popin_bridge_debug=1')
    installFakeVendors(on)
    const { console } = bridgeFor(on)
    on.popinEvent('nudge_show', { uid: 'u1' })
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
  const keys = hashed({ em: 'ada@example.com', ph: '447700900123', fn: 'ada', ln: 'lovelace', ct: 'newyork', zp: 'nw16xe', country: 'gb' })

  it('is off by default: no contact detail reaches fbq', async () => {
    const win = makeWindow()
    fixIds(win)
    const calls = installFakeVendors(win)
    bridgeFor(win, { destinations: { facebookPixel: { pixelId: '1234567890' } } })
    win.popinEvent('popin_captured', lead)
    await digests()
    expect(calls.fbq).toEqual([
      ['init', '1234567890'],
      ['trackSingle', '1234567890', 'Lead', { content_name: 'Popin lead form' }, { eventID: 'popin_captured.00.0' }],
    ])
    expect(JSON.stringify(calls.fbq)).not.toMatch(/ada|7700|york/i)
  })

  it('when enabled, re-inits the pixel with normalised, SHA-256 hashed fields before the Lead; later calls wait their turn', async () => {
    const win = makeWindow()
    fixIds(win)
    const calls = installFakeVendors(win)
    bridgeFor(win, { destinations: { facebookPixel: { pixelId: '1234567890', advancedMatching: true } } })
    win.popinEvent('popin_captured', lead)
    win.popinEvent('popin_call_end', { uid: 'u1' })
    // WebCrypto is async: the Lead, and the Contact behind it, wait for the digests.
    expect(calls.fbq).toEqual([['init', '1234567890']])
    await digests()
    expect(calls.fbq).toEqual([
      ['init', '1234567890'],
      ['init', '1234567890', keys],
      ['trackSingle', '1234567890', 'Lead', { content_name: 'Popin lead form' }, { eventID: 'popin_captured.00.0' }],
      ['trackSingle', '1234567890', 'Contact', { content_name: 'Popin video call' }, { eventID: 'popin_call_end.00.1' }],
    ])
    // GA4 does not wait for Facebook's hashes.
    expect(calls.gtag.map((args) => args[1])).toEqual(['generate_lead', 'popin_call_end'])
  })

  it('without WebCrypto (plain-http pages) the hashed values are left out: no re-init, the Lead still goes', async () => {
    const win = makeWindow()
    fixIds(win)
    vi.spyOn(win.crypto, 'subtle', 'get').mockReturnValue(undefined as unknown as SubtleCrypto)
    const calls = installFakeVendors(win)
    bridgeFor(win, { destinations: { facebookPixel: { pixelId: '1234567890', advancedMatching: true } } })
    win.popinEvent('popin_captured', lead)
    await digests()
    expect(calls.fbq).toEqual([
      ['init', '1234567890'],
      ['trackSingle', '1234567890', 'Lead', { content_name: 'Popin lead form' }, { eventID: 'popin_captured.00.0' }],
    ])
  })
})
