import { afterEach, describe, expect, it, vi } from 'vitest'
import { tcfDecision } from '../src/consent/follow-tcf'
import { POLL_MS } from '../src/destination'
import { pageAdapters } from '../adapters/index'
import { asArrays } from './fixtures/vendor-snippets'
import { bridgeFor, installFakeVendors, makeWindow, fixIds } from './helpers'

afterEach(() => {
  vi.useRealTimers()
})

/** Drop-ins (window.PopinBridge) this file starts: test/setup.ts only knows bridgeFor's bridges. */
const dropIns: { destroy(): void }[] = []
afterEach(() => dropIns.splice(0).forEach((dropIn) => dropIn.destroy()))

const PIXEL = '1234567890'
const GA = 'G-TEST1234'
const config = { consent: { required: true }, destinations: { facebookPixel: { pixelId: PIXEL }, ga4: { measurementId: GA } } }
const google = (analytics: boolean, ads: boolean) => {
  const a = ads ? 'granted' : 'denied'
  return { ad_storage: a, ad_user_data: a, ad_personalization: a, analytics_storage: analytics ? 'granted' : 'denied' }
}
/** The Pixel's Contact for the bridge's occurrence number `n` (its eventID). */
const contact = (n: number) => ['trackSingle', PIXEL, 'Contact', { content_name: 'Popin video call' }, { eventID: `popin_call_end.00.${n}` }]
const gaEnd = (uid: string) => ['event', 'popin_call_end', { popin_uid: uid, send_to: GA }]
const sgEnd = (uid: string, consent: object) => ['track', 'Call Ended', { popin_uid: uid }, { context: { consent: { categoryPreferences: consent } } }]

function setup(extra: object = {}) {
  const win = makeWindow()
  fixIds(win)
  const calls = installFakeVendors(win)
  const { bridge, console } = bridgeFor(win, { ...config, ...extra })
  const end = (uid: string) => win.popinEvent('popin_call_end', { uid })
  return { win, calls, bridge, end, console }
}

describe('consent required: every state × category, the exact calls each vendor gets', () => {
  it('no decision yet: vendors get a denied default, events wait; the dataLayer (category none) is not held', () => {
    const { calls, end, win } = setup()
    end('u1')
    // The consent default comes before the vendor's set-up: Meta's `revoke` before `init`, gtag's default before `config`.
    expect(calls.fbq).toEqual([['consent', 'revoke'], ['init', PIXEL]])
    expect(calls.gtag).toEqual([['consent', 'default', google(false, false)], ['config', GA, { send_page_view: false }]])
    expect(calls.analytics).toEqual([])
    expect(win.dataLayer.filter((e: any) => e.event).map((e: any) => e.event)).toEqual(['popin.popin_call_end'])
  })

  it('no decision yet, Pixel loaded by the bridge: revoke is queued before init, and nothing is tracked', () => {
    const win = makeWindow()
    fixIds(win)
    const { bridge } = bridgeFor(win, { consent: { required: true }, destinations: { facebookPixel: { pixelId: PIXEL } } })
    win.popinEvent('popin_call_end', { uid: 'u1' })
    expect(asArrays(win.fbq.queue)).toEqual([['consent', 'revoke'], ['init', PIXEL]])
    bridge.consent({ ads: true })
    expect(asArrays(win.fbq.queue)).toEqual([['consent', 'revoke'], ['init', PIXEL], ['consent', 'grant'], contact(0)])
  })

  it('both granted: waiting events go out in order after the update signals', () => {
    const { calls, end, bridge } = setup()
    end('u1')
    end('u2')
    expect(bridge.consent({ analytics: true, ads: true })).toEqual({ analytics: true, ads: true })
    expect(calls.fbq.slice(2)).toEqual([['consent', 'grant'], contact(0), contact(1)])
    expect(calls.gtag.slice(2)).toEqual([['consent', 'update', google(true, true)], gaEnd('u1'), gaEnd('u2')])
    expect(calls.analytics).toEqual([sgEnd('u1', { analytics: true, ads: true }), sgEnd('u2', { analytics: true, ads: true })])
  })

  it('both denied: the waiting events are dropped and later ones are never sent', () => {
    const { calls, end, bridge } = setup()
    end('u1')
    bridge.consent({ analytics: false, ads: false })
    end('u2')
    expect(calls.fbq.slice(2)).toEqual([['consent', 'revoke']])
    expect(calls.gtag.slice(2)).toEqual([['consent', 'update', google(false, false)]])
    expect(calls.analytics).toEqual([])
    bridge.consent({ analytics: true })
    expect(calls.gtag.slice(3)).toEqual([['consent', 'update', google(true, false)]])
    expect(calls.analytics).toEqual([])
  })

  it('analytics granted, ads denied: GA4 and Segment get events, Facebook does not', () => {
    const { calls, end, bridge } = setup()
    end('u1')
    bridge.consent({ analytics: true, ads: false })
    end('u2')
    expect(calls.fbq.slice(2)).toEqual([['consent', 'revoke']])
    expect(calls.gtag.slice(2)).toEqual([['consent', 'update', google(true, false)], gaEnd('u1'), gaEnd('u2')])
    expect(calls.analytics).toEqual([sgEnd('u1', { analytics: true, ads: false }), sgEnd('u2', { analytics: true, ads: false })])
  })

  it('ads granted, analytics denied: only Facebook gets events', () => {
    const { calls, end, bridge } = setup()
    bridge.consent({ analytics: false, ads: true })
    end('u1')
    expect(calls.fbq.slice(2)).toEqual([['consent', 'grant'], contact(0)])
    expect(calls.gtag.slice(2)).toEqual([['consent', 'update', google(false, true)]])
    expect(calls.analytics).toEqual([])
  })

  it('revoked after grant: sending stops at once, for that category only', () => {
    const { calls, end, bridge } = setup()
    bridge.consent({ analytics: true, ads: true })
    end('u1')
    bridge.consent({ ads: false })
    end('u2')
    expect(calls.fbq.slice(2)).toEqual([['consent', 'grant'], contact(0), ['consent', 'revoke']])
    expect(calls.gtag.slice(2)).toEqual([
      ['consent', 'update', google(true, true)],
      gaEnd('u1'),
      ['consent', 'update', google(true, false)],
      gaEnd('u2'),
    ])
    expect(calls.analytics).toEqual([sgEnd('u1', { analytics: true, ads: true }), sgEnd('u2', { analytics: true, ads: false })])
  })

  it('events waiting for consent are bounded by queueLimit', () => {
    const { calls, end, bridge } = setup({ queueLimit: 2 })
    for (const uid of ['u1', 'u2', 'u3']) end(uid)
    bridge.consent({ analytics: true, ads: true })
    expect(calls.analytics.map((call) => (call[2] as any).popin_uid)).toEqual(['u1', 'u2'])
  })

  it('a destination can be moved to another category', () => {
    const { calls, end, bridge } = setup({ consent: { required: true, categories: { segment: 'ads', dataLayer: 'analytics' } } })
    end('u1')
    bridge.consent({ analytics: true, ads: false })
    expect(calls.analytics).toEqual([])
    expect(calls.gtag.at(-1)).toEqual(gaEnd('u1'))
  })

  it("the Pixel moved to analytics: its consent signal follows its category, never contradicting a track", () => {
    const { calls, end, bridge } = setup({ consent: { required: true, categories: { facebookPixel: 'analytics' } } })
    end('u1')
    bridge.consent({ analytics: true, ads: false })
    expect(calls.fbq).toEqual([['consent', 'revoke'], ['init', PIXEL], ['consent', 'grant'], contact(0)])
    bridge.consent({ analytics: false })
    end('u2')
    expect(calls.fbq.slice(4)).toEqual([['consent', 'revoke']])
  })

  it('a vendor with no consent signal of its own (Segment) is not even loaded before a grant', () => {
    const load = vi.fn(() => ({ track: vi.fn(), identify: vi.fn(), page: vi.fn() }))
    const segmentLoading = { ...pageAdapters[2], load }
    const win = makeWindow()
    const { bridge } = bridgeFor(win, { consent: { required: true }, destinations: { segment: { writeKey: 'abcdefgh12' } } }, [segmentLoading])
    win.popinEvent('popin_call_end', { uid: 'u1' })
    expect(load).not.toHaveBeenCalled()
    bridge.consent({ analytics: true })
    expect(load).toHaveBeenCalledTimes(1)
    const client = load.mock.results[0]!.value
    expect(client.track).toHaveBeenCalledWith('Call Ended', { popin_uid: 'u1' }, { context: { consent: { categoryPreferences: { analytics: true, ads: false } } } })
  })

  it('a vendor with no consent signal is never loaded when the visitor declines', () => {
    const load = vi.fn()
    const win = makeWindow()
    const { bridge } = bridgeFor(win, { consent: { required: true }, destinations: { segment: { writeKey: 'abcdefgh12' } } }, [{ ...pageAdapters[2], load }])
    bridge.consent({ analytics: false })
    win.popinEvent('popin_call_end', { uid: 'u1' })
    expect(load).not.toHaveBeenCalled()
  })
})

describe('consent not required', () => {
  it('sends at once and no consent command at all, until the page makes a decision', () => {
    const win = makeWindow()
    fixIds(win)
    const calls = installFakeVendors(win)
    const { bridge } = bridgeFor(win, { destinations: { ga4: { measurementId: GA } } })
    win.popinEvent('popin_call_end', { uid: 'u1' })
    expect(calls.gtag).toEqual([['config', GA, { send_page_view: false }], gaEnd('u1')])
    expect(calls.analytics).toEqual([['track', 'Call Ended', { popin_uid: 'u1' }]])
    expect(calls.fbq).toEqual([['track', 'Contact', { content_name: 'Popin video call' }, { eventID: 'popin_call_end.00.0' }]])
    bridge.consent({ ads: false })
    expect(calls.gtag.at(-1)).toEqual(['consent', 'update', google(true, false)])
    expect(calls.fbq.at(-1)).toEqual(['consent', 'revoke'])
  })

  it('a decision the page reports holds: after bridge.consent({ads: false}) Facebook gets revoke and then no track', () => {
    const win = makeWindow()
    fixIds(win)
    const calls = installFakeVendors(win)
    const { bridge } = bridgeFor(win, { destinations: { facebookPixel: { pixelId: PIXEL }, ga4: { measurementId: GA } } })
    win.popinEvent('popin_call_end', { uid: 'u1' })
    bridge.consent({ ads: false })
    win.popinEvent('popin_call_end', { uid: 'u2' })
    win.popinEvent('popin_captured', { uid: 'u2', group: 'sofas' })
    expect(calls.fbq).toEqual([['init', PIXEL], contact(0), ['consent', 'revoke']])
    // Analytics was not decided and consent is not required: GA4 and Segment carry on, and GA4 is
    // told analytics is granted, as what it gets says.
    expect(calls.gtag).toEqual([
      ['config', GA, { send_page_view: false }],
      gaEnd('u1'),
      ['consent', 'update', google(true, false)],
      gaEnd('u2'),
      ['event', 'generate_lead', { lead_source: 'popin', popin_group: 'sofas', popin_uid: 'u2', send_to: GA }],
    ])
    // Segment has no consent signal of its own: once the page decided, every call carries it.
    const decided = { context: { consent: { categoryPreferences: { analytics: true, ads: false } } } }
    expect(calls.analytics).toEqual([
      ['track', 'Call Ended', { popin_uid: 'u1' }],
      ['track', 'Call Ended', { popin_uid: 'u2' }, decided],
      ['identify', { popin_group: 'sofas' }, decided],
      ['track', 'Lead Captured', { popin_uid: 'u2', group: 'sofas' }, decided],
    ])
  })

  it('a denial reported before the vendor is ready: Facebook gets revoke first, then init, then never a track', () => {
    vi.useFakeTimers()
    const win = makeWindow()
    fixIds(win)
    const { bridge } = bridgeFor(win, { destinations: { facebookPixel: { pixelId: PIXEL } } }, pageAdapters)
    bridge.consent({ ads: false })
    win.popinEvent('popin_call_end', { uid: 'u1' })
    const calls: unknown[][] = []
    win.fbq = (...args: unknown[]) => void calls.push(args)
    vi.advanceTimersByTime(POLL_MS)
    win.popinEvent('popin_call_end', { uid: 'u2' })
    expect(calls).toEqual([['consent', 'revoke'], ['init', PIXEL]])
  })
})

describe('the drop-in keeps decisions across init', () => {
  it('PopinBridge.consent before and after init', async () => {
    const { readFileSync } = await import('node:fs')
    const win = makeWindow()
    fixIds(win)
    const calls = installFakeVendors(win)
    win.popinBridgeConfig = config
    win.eval(readFileSync(`${__dirname}/../dist/popin-bridge.lite.min.js`, 'utf8'))
    dropIns.push(win.PopinBridge)
    win.PopinBridge.consent({ analytics: true, ads: true })
    win.PopinBridge.init(config)
    win.popinEvent('popin_call_end', { uid: 'u1' })
    // The new bridge counts its own occurrences from 0.
    expect(calls.fbq.at(-1)).toEqual(contact(0))
    expect(win.PopinBridge.consent({})).toEqual({ analytics: true, ads: true })
  })
})

describe('following the page consent platform', () => {
  it('maps TCF v2.2 purposes: analytics 1+8, ads 1+3+4+7; no GDPR means granted', () => {
    const purposes = (...ids: number[]) => ({ eventStatus: 'useractioncomplete', gdprApplies: true, purpose: { consents: Object.fromEntries(ids.map((id) => [id, true])) } })
    expect(tcfDecision(purposes(1, 8))).toEqual({ analytics: true, ads: false })
    expect(tcfDecision(purposes(1, 3, 4, 7))).toEqual({ analytics: false, ads: true })
    expect(tcfDecision(purposes(3, 4, 7, 8))).toEqual({ analytics: false, ads: false })
    expect(tcfDecision({ eventStatus: 'tcloaded', gdprApplies: false })).toEqual({ analytics: true, ads: true })
    expect(tcfDecision({ eventStatus: 'cmpuishown', gdprApplies: true })).toBeUndefined()
  })

  it('follows __tcfapi: waits while the banner shows, then applies the decision', () => {
    const win = makeWindow()
    const calls = installFakeVendors(win)
    let listener: ((data: object, success: boolean) => void) | undefined
    win.__tcfapi = vi.fn((command: string, _version: number, callback: any) => {
      if (command === 'addEventListener') listener = callback
    })
    const { bridge } = bridgeFor(win, { consent: { required: true, follow: 'tcf' }, destinations: { ga4: { measurementId: GA } } })
    win.popinEvent('popin_call_end', { uid: 'u1' })
    listener!({ eventStatus: 'cmpuishown', gdprApplies: true, listenerId: 3 }, true)
    expect(calls.analytics).toEqual([])
    listener!({ eventStatus: 'useractioncomplete', gdprApplies: true, listenerId: 3, purpose: { consents: { 1: true, 8: true } } }, true)
    expect(calls.analytics).toEqual([sgEnd('u1', { analytics: true, ads: false })])
    bridge.destroy()
    expect(win.__tcfapi).toHaveBeenLastCalledWith('removeEventListener', 2, expect.any(Function), 3)
  })

  it('follows Google consent mode from the dataLayer, and never echoes it back to gtag', async () => {
    vi.useFakeTimers()
    const win = makeWindow()
    const calls = installFakeVendors(win)
    const gtagPush = function (..._args: unknown[]) {
      win.dataLayer.push(arguments)
    }
    gtagPush('consent', 'default', { analytics_storage: 'denied', ad_storage: 'denied' })
    bridgeFor(win, { consent: { required: true, follow: 'google' }, destinations: { ga4: { measurementId: GA } } })
    win.popinEvent('popin_call_end', { uid: 'u1' })
    vi.advanceTimersByTime(300)
    expect(calls.analytics).toEqual([])
    gtagPush('consent', 'update', { analytics_storage: 'granted', ad_storage: 'denied' })
    vi.advanceTimersByTime(300)
    vi.useRealTimers()
    expect(calls.analytics).toEqual([sgEnd('u1', { analytics: true, ads: false })])
    expect(calls.gtag.filter((call) => call[0] === 'consent')).toEqual([])
    // Meta has no consent mode to follow: it gets the bridge's default, then the page's decision.
    expect(calls.fbq).toEqual([['consent', 'revoke'], ['consent', 'revoke']])
  })
})
