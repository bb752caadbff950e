import { describe, expect, it, vi } from 'vitest'
import { bridgeFor, installFakeVendors, makeWindow } from './helpers'

const gtagEvents = (calls: { gtag: unknown[][] }) => calls.gtag.filter((args) => args[0] === 'event').map((args) => args[1])

describe('listening on window.popinEvent', () => {
  it('keeps calling a handler the page defined before the bridge', () => {
    const win = makeWindow()
    const calls = installFakeVendors(win)
    const before = vi.fn()
    win.popinEvent = before
    bridgeFor(win)
    win.popinEvent('nudge_show', { uid: 'u1' })
    expect(before).toHaveBeenCalledWith('nudge_show', { uid: 'u1' })
    expect(gtagEvents(calls)).toEqual(['popin_nudge_show'])
  })

  it('calls a handler the page assigns after the bridge, and keeps receiving', () => {
    const win = makeWindow()
    const calls = installFakeVendors(win)
    bridgeFor(win)
    const after = vi.fn()
    win.popinEvent = after
    win.popinEvent('nudge_open', { uid: 'u1' })
    expect(after).toHaveBeenCalledTimes(1)
    expect(gtagEvents(calls)).toEqual(['popin_nudge_open'])
    const replacement = vi.fn()
    win.popinEvent = replacement
    win.popinEvent('nudge_close', { uid: 'u1' })
    expect(after).toHaveBeenCalledTimes(1)
    expect(replacement).toHaveBeenCalledWith('nudge_close', { uid: 'u1' })
    expect(gtagEvents(calls)).toEqual(['popin_nudge_open', 'popin_nudge_close'])
  })

  it('a page handler that wraps the previous value runs the older handler once, and the bridge once', () => {
    const win = makeWindow()
    const calls = installFakeVendors(win)
    const original = vi.fn()
    win.popinEvent = original
    bridgeFor(win)
    const previous = win.popinEvent
    const wrapper = vi.fn((event: string, data: unknown) => previous(event, data))
    win.popinEvent = wrapper
    win.popinEvent('popin_call_end', { uid: 'u1', callId: 'c1' })
    expect(wrapper).toHaveBeenCalledTimes(1)
    expect(original).toHaveBeenCalledTimes(1)
    expect(gtagEvents(calls)).toEqual(['popin_call_end'])
  })

  it('never throws into Popin: not when a page handler throws, not when a vendor throws', () => {
    const win = makeWindow()
    installFakeVendors(win)
    win.gtag = () => {
      throw new Error('gtag exploded')
    }
    win.popinEvent = () => {
      throw new Error('page bug')
    }
    const { console } = bridgeFor(win)
    expect(() => win.popinEvent('nudge_show', { uid: 'u1' })).not.toThrow()
    expect(console.error.mock.calls.map((args) => args[0])).toEqual([
      "[popin-bridge] ga4: gtag threw; other destinations are unaffected",
      "[popin-bridge] the page's own popinEvent handler threw; Popin was not affected",
    ])
  })

  it('destroy() puts the page handler back and stops sending', () => {
    const win = makeWindow()
    const calls = installFakeVendors(win)
    const pageHandler = vi.fn()
    win.popinEvent = pageHandler
    const { bridge } = bridgeFor(win)
    bridge.destroy()
    expect(win.popinEvent).toBe(pageHandler)
    expect(Object.getOwnPropertyDescriptor(win, 'popinEvent')).toMatchObject({ writable: true, value: pageHandler })
    win.popinEvent('nudge_show', { uid: 'u1' })
    expect(pageHandler).toHaveBeenCalledTimes(1)
    expect(gtagEvents(calls)).toEqual([])
  })

  it('destroy() removes popinEvent when the page had none', () => {
    const win = makeWindow()
    bridgeFor(win).bridge.destroy()
    expect('popinEvent' in win).toBe(false)
  })

  it('a second bridge replaces the first: no event is sent twice', () => {
    const win = makeWindow()
    const calls = installFakeVendors(win)
    const page = vi.fn()
    win.popinEvent = page
    const first = bridgeFor(win).bridge
    bridgeFor(win)
    win.popinEvent('nudge_show', { uid: 'u1' })
    expect(gtagEvents(calls)).toEqual(['popin_nudge_show'])
    expect(page).toHaveBeenCalledTimes(1)
    first.destroy()
    win.popinEvent('nudge_open', { uid: 'u1' })
    expect(gtagEvents(calls)).toEqual(['popin_nudge_show', 'popin_nudge_open'])
  })

  it('reports a window.popinEvent it cannot redefine, and does not throw', () => {
    const win = makeWindow()
    const locked = vi.fn()
    Object.defineProperty(win, 'popinEvent', { value: locked, configurable: false, writable: false })
    const { bridge, console } = bridgeFor(win)
    expect(bridge.destinations.length).toBe(4)
    expect(console.error.mock.calls[0]![0]).toBe('[popin-bridge] window.popinEvent cannot be redefined (non-configurable); the bridge cannot listen')
  })
})
