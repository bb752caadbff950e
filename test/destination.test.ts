import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { pageAdapters } from '../adapters/index'
import { FBEVENTS_URL } from '../adapters/facebook-pixel/load'
import { asArrays, FBQ_SNIPPET } from './fixtures/vendor-snippets'
import { bridgeFor, makeWindow } from './helpers'

beforeEach(() => void vi.useFakeTimers())
afterEach(() => void vi.useRealTimers())

describe('waiting for vendors', () => {
  it('queues events until the page vendor appears, then delivers them once, in order', () => {
    const win = makeWindow()
    bridgeFor(win, { destinations: { segment: {} } }, pageAdapters)
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
    const { console } = bridgeFor(win, { readyTimeoutMs: 2000, destinations: { facebookPixel: { pixelId: '1234567890' } } }, pageAdapters)
    win.popinEvent('popin_captured', { uid: 'u1' })
    vi.advanceTimersByTime(2100)
    expect(console.warn.mock.calls.map((args) => args[0])).toEqual([
      '[popin-bridge] facebookPixel: no fbq on the page after 2000 ms; 1 waiting event(s) dropped. Add Facebook Pixel to the page, or set destinations.facebookPixel.pixelId and use the full bundle to let the bridge load it.',
    ])
    // A vendor that shows up late is still used for later events.
    const fbq = vi.fn()
    win.fbq = fbq
    win.popinEvent('popin_call_end', { uid: 'u1' })
    expect(fbq.mock.calls).toEqual([
      ['init', '1234567890'],
      ['trackSingle', '1234567890', 'Contact', { content_name: 'Popin video call' }, { eventID: 'Contact.u1' }],
    ])
  })

  it('stays quiet about a vendor the config never asked for', () => {
    const win = makeWindow()
    const { console } = bridgeFor(win, {}, pageAdapters)
    win.popinEvent('popin_captured', { uid: 'u1' })
    vi.advanceTimersByTime(20_000)
    expect(console.warn).not.toHaveBeenCalled()
    expect(console.error).not.toHaveBeenCalled()
    expect(win.dataLayer).toHaveLength(2)
  })

  it('holds at most queueLimit events and says so once', () => {
    const win = makeWindow()
    const { console } = bridgeFor(win, { queueLimit: 2, destinations: { segment: {} } }, pageAdapters)
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
    bridgeFor(win, {}, pageAdapters)
    win.popinEvent('popin_call_end', { uid: 'u1' })
    expect(fbq).not.toHaveBeenCalled()
    win.document.documentElement.appendChild(win.document.createElement('body'))
    win.document.dispatchEvent(new win.Event('DOMContentLoaded'))
    expect(fbq.mock.calls).toEqual([['track', 'Contact', { content_name: 'Popin video call' }, { eventID: 'Contact.u1' }]])
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
    const { console } = bridgeFor(win, {}, pageAdapters)
    win.popinEvent('popin_call_end', { uid: 'u1' })
    win.popinEvent('popin_schedule_created', { uid: 'u1' })
    expect(track).toHaveBeenCalledTimes(2)
    expect(win.dataLayer).toHaveLength(4)
    expect(console.error).toHaveBeenCalledTimes(1)
    expect(console.error.mock.calls[0]!.slice(0, 1)).toEqual(['[popin-bridge] facebookPixel: fbq threw; other destinations are unaffected'])
  })

  it('a vendor call returning a rejected promise is caught, never an unhandled rejection', async () => {
    vi.useRealTimers()
    const win = makeWindow()
    const unhandled = vi.fn()
    process.on('unhandledRejection', unhandled)
    win.analytics = { track: () => Promise.reject(new Error('offline')), identify: vi.fn(), page: vi.fn() }
    const { console } = bridgeFor(win, {}, pageAdapters)
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
    bridgeFor(win, { destinations: { facebookPixel: { pixelId: '1234567890' } } })
    win.popinEvent('popin_call_end', { uid: 'u1' })
    expect(asArrays(win.fbq.queue)).toEqual([
      ['init', '1234567890'],
      ['trackSingle', '1234567890', 'Contact', { content_name: 'Popin video call' }, { eventID: 'Contact.u1' }],
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
    bridgeFor(win, { destinations: { facebookPixel: { pixelId: '1234567890' } } })
    win.popinEvent('popin_call_end', { uid: 'u1' })
    expect(asArrays(win.fbq.queue)).toEqual([
      ['init', '1234567890'],
      ['track', 'PageView'],
      ['trackSingle', '1234567890', 'Contact', { content_name: 'Popin video call' }, { eventID: 'Contact.u1' }],
    ])
    expect(win.document.scripts.length).toBe(0)
  })

  it('loads GA4 through react-ga4 with no automatic page view, events in its string form', async () => {
    vi.useRealTimers()
    const win = makeWindow()
    const globalWindow = globalThis.window
    bridgeFor(win, { destinations: { ga4: { measurementId: 'G-TEST1234', gtagUrl: 'https://tags.shop.example/gtag/js' } } })
    win.popinEvent('popin_rating_done', { uid: 'u1', rating: 5, comment: 'ok' })
    // react-ga4 writes to the global window: in a real page that is this window.
    await vi.waitFor(() => expect((globalWindow as any).dataLayer).toHaveLength(3))
    const layer = asArrays((globalWindow as any).dataLayer)
    expect(layer.slice(1)).toEqual([
      ['config', 'G-TEST1234', { send_page_view: false }],
      ['event', 'popin_rating', { rating: 5, popin_uid: 'u1', send_to: 'G-TEST1234' }],
    ])
    expect(layer[0]![0]).toBe('js')
  })
})
