import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { pageAdapters } from '../adapters/index'
import { FBEVENTS_URL } from '../adapters/facebook-pixel/load'
import type { Bridge } from '../src/bridge'
import { asArrays, FBQ_SNIPPET } from './fixtures/vendor-snippets'
import { bridgeFor, makeWindow, type TestWindow, fixIds } from './helpers'

/** Bridges this file starts, destroyed after each test (before the timers are real again). */
const running: Bridge[] = []
function start(...args: Parameters<typeof bridgeFor>) {
  const started = bridgeFor(...args)
  running.push(started.bridge)
  return started
}

beforeEach(() => void vi.useFakeTimers())
afterEach(() => {
  for (const bridge of running.splice(0)) bridge.destroy()
  vi.useRealTimers()
})

describe('waiting for vendors', () => {
  it('queues events until the page vendor appears, then delivers them once, in order', () => {
    const win = makeWindow()
    start(win, { destinations: { segment: {} } }, pageAdapters)
    win.popinEvent('nudge_show', { uid: 'u1' })
    win.popinEvent('nudge_open', { uid: 'u1' })
    const track = vi.fn()
    win.analytics = { track, identify: vi.fn(), page: vi.fn() }
    vi.advanceTimersByTime(100)
    win.popinEvent('nudge_close', { uid: 'u1' })
    vi.advanceTimersByTime(10_000)
    expect(track.mock.calls).toEqual([
      ['Nudge Shown', { popin_uid: 'u1' }],
      ['Nudge Opened', { popin_uid: 'u1' }],
      ['Nudge Closed', { popin_uid: 'u1' }],
    ])
  })

  it('gives up after readyTimeoutMs: drops the waiting events, warns once for a destination the config names', () => {
    const win = makeWindow()
    fixIds(win)
    const { console } = start(win, { readyTimeoutMs: 2000, destinations: { facebookPixel: { pixelId: '1234567890' } } }, pageAdapters)
    win.popinEvent('popin_captured', { uid: 'u1' })
    vi.advanceTimersByTime(2100)
    expect(console.warn.mock.calls.map((args) => args[0])).toEqual([
      '[popin-bridge] facebookPixel: no fbq on the page after 2000 ms; 1 waiting event(s) dropped. Add Facebook Pixel to the page, or set destinations.facebookPixel.pixelId and use the full bundle to let the bridge load it.',
    ])
    // A vendor that shows up late is still used for later events.
    const fbq = vi.fn()
    win.fbq = fbq
    win.popinEvent('popin_call_end', { uid: 'u1' })
    // The dropped Lead was occurrence 0: this Contact is occurrence 1.
    expect(fbq.mock.calls).toEqual([
      ['init', '1234567890'],
      ['trackSingle', '1234567890', 'Contact', { content_name: 'Popin video call' }, { eventID: 'popin_call_end.00.1' }],
    ])
  })

  it('stays quiet about a vendor the config never asked for', () => {
    const win = makeWindow()
    const { console } = start(win, {}, pageAdapters)
    win.popinEvent('popin_captured', { uid: 'u1' })
    vi.advanceTimersByTime(20_000)
    expect(console.warn).not.toHaveBeenCalled()
    expect(console.error).not.toHaveBeenCalled()
    expect(win.dataLayer).toHaveLength(2)
  })

  it('holds at most queueLimit events and says so once', () => {
    const win = makeWindow()
    const { console } = start(win, { queueLimit: 2, destinations: { segment: {} } }, pageAdapters)
    for (let i = 0; i < 5; i++) win.popinEvent('nudge_show', { uid: `u${i}` })
    const track = vi.fn()
    win.analytics = { track, identify: vi.fn(), page: vi.fn() }
    vi.advanceTimersByTime(100)
    expect(track.mock.calls.map((args) => args[1])).toEqual([{ popin_uid: 'u0' }, { popin_uid: 'u1' }])
    expect(console.warn.mock.calls.map((args) => args[0])).toEqual([
      '[popin-bridge] segment: more than 2 events waiting; newer ones are dropped',
    ])
  })

  it('waits for <body> before looking for vendors when loaded in <head>', () => {
    const win = makeWindow()
    win.document.documentElement.removeChild(win.document.body)
    Object.defineProperty(win.document, 'readyState', { configurable: true, value: 'loading' })
    const fbq = vi.fn()
    win.fbq = fbq
    fixIds(win)
    start(win, {}, pageAdapters)
    win.popinEvent('popin_call_end', { uid: 'u1' })
    expect(fbq).not.toHaveBeenCalled()
    win.document.documentElement.appendChild(win.document.createElement('body'))
    win.document.dispatchEvent(new win.Event('DOMContentLoaded'))
    expect(fbq.mock.calls).toEqual([['track', 'Contact', { content_name: 'Popin video call' }, { eventID: 'popin_call_end.00.0' }]])
  })
})

describe('containment', () => {
  it('one vendor throwing on every call does not stop the others; its error is logged once', () => {
    const win = makeWindow()
    win.fbq = () => {
      throw new Error('blocked')
    }
    const track = vi.fn()
    win.analytics = { track, identify: vi.fn(), page: vi.fn() }
    const { console } = start(win, {}, pageAdapters)
    win.popinEvent('popin_call_end', { uid: 'u1' })
    win.popinEvent('popin_schedule_created', { uid: 'u1' })
    expect(track).toHaveBeenCalledTimes(2)
    expect(win.dataLayer).toHaveLength(4)
    expect(console.error).toHaveBeenCalledTimes(1)
    expect(console.error.mock.calls[0]!.slice(0, 1)).toEqual(['[popin-bridge] facebookPixel: fbq threw; other destinations are unaffected'])
  })

  it('a dataLayer name that is another global of the page (location, fbq, __proto__) replaces nothing', () => {
    for (const name of ['location', 'fbq', '__proto__', 'constructor', 'popinEvent']) {
      const win = makeWindow()
      const fbq = vi.fn()
      win.fbq = fbq
      const href = win.location.href
      const prototype = Object.getPrototypeOf(win)
      const { console } = start(win, { extends: 'none', readyTimeoutMs: 300, destinations: { dataLayer: { name, events: { '*': true } } } }, pageAdapters)
      expect(() => win.popinEvent('nudge_show', { uid: 'u1' })).not.toThrow()
      vi.advanceTimersByTime(400)
      expect([win.location.href, win.fbq, Object.getPrototypeOf(win), typeof win.popinEvent]).toEqual([href, fbq, prototype, 'function'])
      expect(fbq).not.toHaveBeenCalled()
      expect(console.warn.mock.calls, name).toEqual([[`[popin-bridge] dataLayer: no dataLayer on the page after 300 ms; 1 waiting event(s) dropped. Add GTM dataLayer to the page.`]])
    }
  })

  it('a vendor call returning a rejected promise is caught, never an unhandled rejection', async () => {
    vi.useRealTimers()
    const win = makeWindow()
    const unhandled = vi.fn()
    process.on('unhandledRejection', unhandled)
    win.analytics = { track: () => Promise.reject(new Error('offline')), identify: vi.fn(), page: vi.fn() }
    const { console } = start(win, {}, pageAdapters)
    win.popinEvent('nudge_show', { uid: 'u1' })
    await new Promise((resolve) => setTimeout(resolve, 10))
    process.off('unhandledRejection', unhandled)
    expect(unhandled).not.toHaveBeenCalled()
    expect(console.error.mock.calls[0]![0]).toBe('[popin-bridge] segment: analytics.track rejected; other destinations are unaffected')
  })
})

describe('loading vendors (full build)', () => {
  it('installs the official Pixel queue once and loads fbevents.js, when a pixelId is set and the page has no fbq', () => {
    const win = makeWindow()
    fixIds(win)
    start(win, { destinations: { facebookPixel: { pixelId: '1234567890' } } })
    win.popinEvent('popin_call_end', { uid: 'u1' })
    expect(asArrays(win.fbq.queue)).toEqual([
      ['init', '1234567890'],
      ['trackSingle', '1234567890', 'Contact', { content_name: 'Popin video call' }, { eventID: 'popin_call_end.00.0' }],
    ])
    const scripts = Array.from(win.document.scripts, (script: any) => script.src)
    expect(scripts).toEqual([FBEVENTS_URL])
    // The page's own base code, added later, keeps the queue instead of starting a second Pixel.
    win.eval(FBQ_SNIPPET)
    expect(asArrays(win.fbq.queue).map((args) => args[0])).toEqual(['init', 'trackSingle', 'init', 'track'])
  })

  it('uses the page Pixel when there is one, and never loads a second copy', () => {
    const win = makeWindow()
    win.eval(FBQ_SNIPPET)
    fixIds(win)
    start(win, { destinations: { facebookPixel: { pixelId: '1234567890' } } })
    win.popinEvent('popin_call_end', { uid: 'u1' })
    // The page's snippet already has `init` for this pixel: the bridge adds none.
    expect(asArrays(win.fbq.queue)).toEqual([
      ['init', '1234567890'],
      ['track', 'PageView'],
      ['trackSingle', '1234567890', 'Contact', { content_name: 'Popin video call' }, { eventID: 'popin_call_end.00.0' }],
    ])
    expect(win.document.scripts.length).toBe(0)
  })

  /**
   * react-ga4 writes to the global window, so these run the bridge there (in a real page it is
   * the one window), without the dataLayer destination, and remove what they left behind.
   */
  const onGlobalWindow = () => {
    const win = globalThis.window as unknown as TestWindow
    return {
      win,
      cleanUp() {
        delete win.dataLayer
        delete win.gtag
        for (const script of Array.from(win.document.scripts)) script.remove()
      },
    }
  }
  const ga4Config = { destinations: { dataLayer: null, ga4: { measurementId: 'G-TEST1234', gtagUrl: 'https://tags.shop.example/gtag/js' } } }

  it('loads GA4 through react-ga4 with no automatic page view, events in its string form', async () => {
    vi.useRealTimers()
    const { win, cleanUp } = onGlobalWindow()
    try {
      start(win, ga4Config)
      win.popinEvent('popin_rating_done', { uid: 'u1', rating: 5, comment: 'ok' })
      await vi.waitFor(() => expect(win.dataLayer).toHaveLength(3))
      const layer = asArrays(win.dataLayer)
      expect(layer[0]![0]).toBe('js')
      // react-ga4's own `config`: the bridge sees it and adds none.
      expect(layer.slice(1)).toEqual([
        ['config', 'G-TEST1234', { send_page_view: false }],
        ['event', 'popin_rating', { rating: 5, popin_uid: 'u1', send_to: 'G-TEST1234' }],
      ])
      expect(Array.from(win.document.scripts, (script) => script.src)).toEqual(['https://tags.shop.example/gtag/js?id=G-TEST1234'])
    } finally {
      running.splice(0).forEach((bridge) => bridge.destroy())
      cleanUp()
    }
  })

  it('loads GA4 with consent required: the denied default reaches the dataLayer before gtag.js is told anything', async () => {
    vi.useRealTimers()
    const { win, cleanUp } = onGlobalWindow()
    try {
      const { bridge } = start(win, { consent: { required: true }, ...ga4Config })
      win.popinEvent('popin_rating_done', { uid: 'u1', rating: 5 })
      await vi.waitFor(() => expect(win.dataLayer).toHaveLength(3))
      const denied = { ad_storage: 'denied', ad_user_data: 'denied', ad_personalization: 'denied', analytics_storage: 'denied' }
      const layer = asArrays(win.dataLayer)
      expect(layer[0]).toEqual(['consent', 'default', denied])
      expect(layer[1]![0]).toBe('js')
      expect(layer[2]).toEqual(['config', 'G-TEST1234', { send_page_view: false }])
      bridge.consent({ analytics: true })
      expect(asArrays(win.dataLayer).slice(3)).toEqual([
        ['consent', 'update', { ...denied, analytics_storage: 'granted' }],
        ['event', 'popin_rating', { rating: 5, popin_uid: 'u1', send_to: 'G-TEST1234' }],
      ])
    } finally {
      running.splice(0).forEach((bridge) => bridge.destroy())
      cleanUp()
    }
  })
})
