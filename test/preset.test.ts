import { describe, expect, it, vi } from 'vitest'
import { SESSION } from './fixtures/session'
import { bridgeFor, installFakeVendors, makeWindow, fixIds } from './helpers'

const config = {
  destinations: {
    facebookPixel: { pixelId: '1234567890' },
    ga4: { measurementId: 'G-TEST1234' },
  },
}

function play(events: [string, Record<string, unknown>][]) {
  const win = makeWindow()
  fixIds(win)
  const calls = installFakeVendors(win)
  const { bridge, console } = bridgeFor(win, config)
  for (const [name, data] of events) win.popinEvent(name, data)
  bridge.destroy()
  return { calls, dataLayer: win.dataLayer as unknown[], console }
}

/** The dataLayer's event pushes (without the `{popin: null}` resets). */
const pushes = (dataLayer: unknown[]) => dataLayer.filter((entry: any) => entry.event) as { event: string; popin: unknown; popin_event_id: string }[]
/** The eventID option of each Pixel track call. */
const pixelIds = (fbq: unknown[][]) => fbq.filter((args) => String(args[0]).startsWith('track')).map((args) => (args.at(-1) as { eventID: string }).eventID)

const lead = SESSION.find(([name]) => name === 'popin_captured')!

describe('the popin-default preset, event by event', () => {
  it('popin_captured: Facebook Lead, GA4 generate_lead without personal data, Segment identify + Lead Captured', () => {
    const { calls, dataLayer, console } = play([lead])
    expect(calls.fbq).toEqual([
      ['init', '1234567890'],
      ['trackSingle', '1234567890', 'Lead', { content_name: 'Popin lead form', content_category: 'sofas' }, { eventID: 'popin_captured.00.0' }],
    ])
    expect(calls.gtag).toEqual([
      ['config', 'G-TEST1234', { send_page_view: false }],
      ['event', 'generate_lead', { lead_source: 'popin', popin_group: 'sofas', popin_uid: 'u-1', send_to: 'G-TEST1234' }],
    ])
    expect(calls.analytics).toEqual([
      [
        'identify',
        {
          name: 'Ada Lovelace',
          email: 'Ada@Example.com',
          phone: '+44 7700 900123',
          address: { city: 'Camden', postal_code: 'NW1 6XE', country: 'GB' },
          popin_group: 'sofas',
        },
      ],
      ['track', 'Lead Captured', { popin_uid: 'u-1', group: 'sofas' }],
    ])
    expect(dataLayer).toEqual([
      { popin: null },
      { event: 'popin.popin_captured', popin: lead[1], popin_event_id: 'popin_captured.00.0' },
    ])
    // One occurrence, one id: the Pixel and GTM can deduplicate against each other.
    expect(pixelIds(calls.fbq)).toEqual(pushes(dataLayer).map((push) => push.popin_event_id))
    expect(console.error).not.toHaveBeenCalled()
  })

  it('popin_schedule_created: Facebook Schedule, GA4 popin_schedule_created, Segment Call Scheduled', () => {
    const { calls, dataLayer } = play([['popin_schedule_created', { uid: 'u-1', timezone: 'Asia/Kolkata', time: '03:30 PM' }]])
    expect(calls.fbq.slice(1)).toEqual([
      ['trackSingle', '1234567890', 'Schedule', { content_name: 'Popin video call' }, { eventID: 'popin_schedule_created.00.0' }],
    ])
    expect(calls.gtag.slice(1)).toEqual([
      ['event', 'popin_schedule_created', { schedule_time: '03:30 PM', schedule_timezone: 'Asia/Kolkata', popin_uid: 'u-1', send_to: 'G-TEST1234' }],
    ])
    expect(calls.analytics).toEqual([['track', 'Call Scheduled', { popin_uid: 'u-1', time: '03:30 PM', timezone: 'Asia/Kolkata' }]])
    expect(pushes(dataLayer).map((push) => push.popin_event_id)).toEqual(['popin_schedule_created.00.0'])
  })

  it('popin_call_end: Facebook Contact, GA4 popin_call_end, Segment Call Ended', () => {
    const { calls, dataLayer } = play([['popin_call_end', { uid: 'u-1', callId: 'call-77', invited: true }]])
    expect(calls.fbq.slice(1)).toEqual([
      ['trackSingle', '1234567890', 'Contact', { content_name: 'Popin video call', call_id: 'call-77' }, { eventID: 'popin_call_end.00.0' }],
    ])
    expect(calls.gtag.slice(1)).toEqual([['event', 'popin_call_end', { call_id: 'call-77', invited: true, popin_uid: 'u-1', send_to: 'G-TEST1234' }]])
    expect(calls.analytics).toEqual([['track', 'Call Ended', { popin_uid: 'u-1', call_id: 'call-77', invited: true }]])
    expect(pushes(dataLayer)).toEqual([
      { event: 'popin.popin_call_end', popin: { uid: 'u-1', callId: 'call-77', invited: true }, popin_event_id: 'popin_call_end.00.0' },
    ])
  })

  it('two popin_call_end in one visit: two Contacts with different eventIDs, each the dataLayer id of its occurrence', () => {
    const { calls, dataLayer } = play([
      ['popin_call_end', { uid: 'u-1', callId: 'call-77', invited: false }],
      ['popin_call_end', { uid: 'u-1', callId: 'call-78', invited: false }],
    ])
    expect(calls.fbq.slice(1)).toEqual([
      ['trackSingle', '1234567890', 'Contact', { content_name: 'Popin video call', call_id: 'call-77' }, { eventID: 'popin_call_end.00.0' }],
      ['trackSingle', '1234567890', 'Contact', { content_name: 'Popin video call', call_id: 'call-78' }, { eventID: 'popin_call_end.00.1' }],
    ])
    const [first, second] = pixelIds(calls.fbq)
    expect(first).not.toBe(second)
    expect(pushes(dataLayer).map((push) => push.popin_event_id)).toEqual([first, second])
  })

  it('popin_rating_done: Facebook custom PopinCallRated, GA4 popin_rating with the rating only, Segment Call Rated', () => {
    const { calls } = play([['popin_rating_done', { uid: 'u-1', rating: 4, comment: 'ok' }]])
    expect(calls.fbq.slice(1)).toEqual([['trackSingleCustom', '1234567890', 'PopinCallRated', { rating: 4 }, { eventID: 'popin_rating_done.00.0' }]])
    expect(calls.gtag.slice(1)).toEqual([['event', 'popin_rating', { rating: 4, popin_uid: 'u-1', send_to: 'G-TEST1234' }]])
    expect(calls.analytics).toEqual([['track', 'Call Rated', { popin_uid: 'u-1', rating: 4, comment: 'ok' }]])
  })

  it('popin_expert_busy and its alias popin_call_missed: one catalog event, one id per occurrence', () => {
    const { calls, dataLayer } = play([
      ['popin_expert_busy', { uid: 'u-1' }],
      ['popin_call_missed', { uid: 'u-2' }],
    ])
    expect(calls.fbq.slice(1)).toEqual([
      ['trackSingleCustom', '1234567890', 'PopinExpertBusy', {}, { eventID: 'popin_expert_busy.00.0' }],
      ['trackSingleCustom', '1234567890', 'PopinExpertBusy', {}, { eventID: 'popin_expert_busy.00.1' }],
    ])
    expect(calls.gtag.slice(1)).toEqual([
      ['event', 'popin_expert_busy', { popin_uid: 'u-1', send_to: 'G-TEST1234' }],
      ['event', 'popin_expert_busy', { popin_uid: 'u-2', send_to: 'G-TEST1234' }],
    ])
    expect(calls.analytics).toEqual([
      ['track', 'Expert Busy Shown', { popin_uid: 'u-1' }],
      ['track', 'Expert Busy Shown', { popin_uid: 'u-2' }],
    ])
    expect(pushes(dataLayer).map((push) => [push.event, push.popin_event_id])).toEqual([
      ['popin.popin_expert_busy', 'popin_expert_busy.00.0'],
      ['popin.popin_expert_busy', 'popin_expert_busy.00.1'],
    ])
  })

  it('permissions, nudges: GA4 popin_*, Segment track, Facebook only for a granted permission', () => {
    const { calls, dataLayer } = play([
      ['popin_permission_given', { uid: 'u-1', audio: true, video: false }],
      ['popin_permission_denied', { uid: 'u-1', audio: false, video: false }],
      ['nudge_show', { uid: 'u-1' }],
      ['nudge_open', { uid: 'u-1' }],
      ['nudge_close', { uid: 'u-1' }],
    ])
    expect(calls.fbq.slice(1)).toEqual([
      ['trackSingleCustom', '1234567890', 'PopinPermissionGiven', { audio: true, video: false }, { eventID: 'popin_permission_given.00.0' }],
    ])
    expect(calls.gtag.slice(1)).toEqual([
      ['event', 'popin_permission_given', { audio: true, video: false, popin_uid: 'u-1', send_to: 'G-TEST1234' }],
      ['event', 'popin_permission_denied', { audio: false, video: false, popin_uid: 'u-1', send_to: 'G-TEST1234' }],
      ['event', 'popin_nudge_show', { popin_uid: 'u-1', send_to: 'G-TEST1234' }],
      ['event', 'popin_nudge_open', { popin_uid: 'u-1', send_to: 'G-TEST1234' }],
      ['event', 'popin_nudge_close', { popin_uid: 'u-1', send_to: 'G-TEST1234' }],
    ])
    expect(calls.analytics).toEqual([
      ['track', 'Device Permission Granted', { popin_uid: 'u-1', audio: true, video: false }],
      ['track', 'Device Permission Denied', { popin_uid: 'u-1', audio: false, video: false }],
      ['track', 'Nudge Shown', { popin_uid: 'u-1' }],
      ['track', 'Nudge Opened', { popin_uid: 'u-1' }],
      ['track', 'Nudge Closed', { popin_uid: 'u-1' }],
    ])
    // The counter counts every occurrence, whichever destinations it reached.
    expect(pushes(dataLayer).map((push) => push.popin_event_id)).toEqual([
      'popin_permission_given.00.0',
      'popin_permission_denied.00.1',
      'nudge_show.00.2',
      'nudge_open.00.3',
      'nudge_close.00.4',
    ])
  })

  it('screen navigation: GA4 popin_screen_view with the screen id, Segment Widget Screen Viewed, unknown screens too; each view its own id', () => {
    const { calls, dataLayer } = play([
      ['popin_screen', { uid: 'u-1', screen: 'SCREEN_CHAT' }],
      ['popin_screen', { uid: 'u-1', screen: 'SCREEN_CHAT' }],
      ['screen_changed', { uid: 'u-1', screen: 'SCREEN_FROM_THE_FUTURE' }],
    ])
    expect(calls.fbq.slice(1)).toEqual([])
    expect(calls.gtag.slice(1)).toEqual([
      ['event', 'popin_screen_view', { screen_id: 'SCREEN_CHAT', popin_uid: 'u-1', send_to: 'G-TEST1234' }],
      ['event', 'popin_screen_view', { screen_id: 'SCREEN_CHAT', popin_uid: 'u-1', send_to: 'G-TEST1234' }],
      ['event', 'popin_screen_view', { screen_id: 'SCREEN_FROM_THE_FUTURE', popin_uid: 'u-1', send_to: 'G-TEST1234' }],
    ])
    expect(calls.analytics).toEqual([
      ['track', 'Widget Screen Viewed', { popin_uid: 'u-1', screen_id: 'SCREEN_CHAT' }],
      ['track', 'Widget Screen Viewed', { popin_uid: 'u-1', screen_id: 'SCREEN_CHAT' }],
      ['track', 'Widget Screen Viewed', { popin_uid: 'u-1', screen_id: 'SCREEN_FROM_THE_FUTURE' }],
    ])
    // `{{event}}` is the name Popin called; "screen_changed" is not Popin-like, so it renders empty.
    expect(pushes(dataLayer)).toEqual([
      { event: 'popin.screen_view', popin: { uid: 'u-1', screen: 'SCREEN_CHAT' }, popin_event_id: '00.0' },
      { event: 'popin.screen_view', popin: { uid: 'u-1', screen: 'SCREEN_CHAT' }, popin_event_id: '00.1' },
      { event: 'popin.screen_view', popin: { uid: 'u-1', screen: 'SCREEN_FROM_THE_FUTURE' }, popin_event_id: '00.2' },
    ])
    const ids = pushes(dataLayer).map((push) => push.popin_event_id)
    expect(new Set(ids).size).toBe(ids.length)
  })

  it('unknown events: forwarded under their own name to GA4 (policy-clean fields only), Segment and the dataLayer, not to Facebook', () => {
    const { calls, dataLayer } = play([['popin_widget_open', { uid: 'u-1', source: 'launcher', step: 2 }]])
    expect(calls.fbq.slice(1)).toEqual([])
    // `uid` is a GA4 reserved name: renamed. "launcher" is an unknown field's text without a digit: not id-like, left out.
    expect(calls.gtag.slice(1)).toEqual([['event', 'popin_widget_open', { popin_uid: 'u-1', step: 2, send_to: 'G-TEST1234' }]])
    expect(calls.analytics).toEqual([['track', 'popin_widget_open', { uid: 'u-1', source: 'launcher', step: 2 }]])
    expect(dataLayer.at(-1)).toEqual({
      event: 'popin.popin_widget_open',
      popin: { uid: 'u-1', source: 'launcher', step: 2 },
      popin_event_id: '00.0',
    })
  })

  it("unknown events: GA4 never gets a payload's uid, user_id or client_id as such, nor its free text", () => {
    const note = 'Call me, Priya Sharma, +91 98765 43210'
    const { calls, dataLayer } = play([['popin_widget_open', { uid: 'u-1', user_id: 'v-22', client_id: 'c-33', note }]])
    expect(calls.gtag.slice(1)).toEqual([
      ['event', 'popin_widget_open', { popin_uid: 'u-1', popin_user_id: 'v-22', popin_client_id: 'c-33', send_to: 'G-TEST1234' }],
    ])
    const ga4Params = calls.gtag[1]![2] as Record<string, unknown>
    for (const reserved of ['uid', 'user_id', 'client_id']) expect(ga4Params).not.toHaveProperty(reserved)
    expect(JSON.stringify(calls.gtag)).not.toMatch(/Priya|Sharma|98765|43210|Call me/)
    // Segment and the dataLayer (personalData "send" by default) get the payload as it is.
    expect(calls.analytics).toEqual([['track', 'popin_widget_open', { uid: 'u-1', user_id: 'v-22', client_id: 'c-33', note }]])
    expect(pushes(dataLayer)).toEqual([
      { event: 'popin.popin_widget_open', popin: { uid: 'u-1', user_id: 'v-22', client_id: 'c-33', note }, popin_event_id: '00.0' },
    ])
  })
})

describe('one id per occurrence, whatever the random token', () => {
  it('digits only, and every occurrence its own, non-empty id', () => {
    const win = makeWindow()
    vi.spyOn(win.crypto, 'getRandomValues').mockImplementation(((array: Uint32Array) => array.set([4294967295, 7])) as never)
    const calls = installFakeVendors(win)
    bridgeFor(win, { destinations: { facebookPixel: { pixelId: '1234567890' } } })
    for (let i = 0; i < 13; i++) win.popinEvent('popin_call_end', { uid: 'u-1' })
    const ids = calls.fbq.filter((call) => call[0] === 'trackSingle').map((call) => (call[4] as { eventID: string }).eventID)
    expect(ids.slice(9)).toEqual(['popin_call_end.42949672957.9', 'popin_call_end.42949672957.10', 'popin_call_end.42949672957.11', 'popin_call_end.42949672957.12'])
    expect(new Set(ids).size).toBe(13)
  })

  it('a random token in a real page is 14 digits at most, and differs from page to page', () => {
    const tokens = [makeWindow(), makeWindow()].map((win) => {
      const calls = installFakeVendors(win)
      bridgeFor(win, { destinations: { facebookPixel: { pixelId: '1234567890' } } })
      win.popinEvent('popin_call_end', { uid: 'u-1' })
      return /^popin_call_end\.(\d{1,14})\.0$/.exec((calls.fbq.at(-1)?.[4] as { eventID: string }).eventID)?.[1]
    })
    expect(tokens.every(Boolean)).toBe(true)
    expect(tokens[0]).not.toBe(tokens[1])
  })
})
