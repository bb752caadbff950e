import { describe, expect, it } from 'vitest'
import { SESSION } from './fixtures/session'
import { bridgeFor, installFakeVendors, makeWindow } from './helpers'

const config = {
  destinations: {
    facebookPixel: { pixelId: '1234567890' },
    ga4: { measurementId: 'G-TEST1234' },
  },
}

function play(events: [string, Record<string, unknown>][]) {
  const win = makeWindow()
  const calls = installFakeVendors(win)
  const { bridge, console } = bridgeFor(win, config)
  for (const [name, data] of events) win.popinEvent(name, data)
  bridge.destroy()
  return { calls, dataLayer: win.dataLayer as unknown[], console }
}

const lead = SESSION.find(([name]) => name === 'popin_captured')!

describe('the popin-default preset, event by event', () => {
  it('popin_captured: Facebook Lead, GA4 generate_lead without personal data, Segment identify + Lead Captured', () => {
    const { calls, dataLayer, console } = play([lead])
    expect(calls.fbq).toEqual([
      ['init', '1234567890'],
      ['trackSingle', '1234567890', 'Lead', { content_name: 'Popin lead form', content_category: 'sofas' }, { eventID: 'Lead.u-1' }],
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
      { event: 'popin.popin_captured', popin: lead[1], popin_event_id: 'popin.popin_captured.u-1' },
    ])
    expect(console.error).not.toHaveBeenCalled()
  })

  it('popin_schedule_created: Facebook Schedule, GA4 popin_schedule_created, Segment Call Scheduled', () => {
    const { calls } = play([['popin_schedule_created', { uid: 'u-1', timezone: 'Asia/Kolkata', time: '03:30 PM' }]])
    expect(calls.fbq.slice(1)).toEqual([['trackSingle', '1234567890', 'Schedule', { content_name: 'Popin video call' }, { eventID: 'Schedule.u-1' }]])
    expect(calls.gtag.slice(1)).toEqual([
      ['event', 'popin_schedule_created', { schedule_time: '03:30 PM', schedule_timezone: 'Asia/Kolkata', popin_uid: 'u-1', send_to: 'G-TEST1234' }],
    ])
    expect(calls.analytics).toEqual([['track', 'Call Scheduled', { popin_uid: 'u-1', time: '03:30 PM', timezone: 'Asia/Kolkata' }]])
  })

  it('popin_call_end: Facebook Contact, GA4 popin_call_end, Segment Call Ended', () => {
    const { calls } = play([['popin_call_end', { uid: 'u-1', callId: 'call-77', invited: true }]])
    expect(calls.fbq.slice(1)).toEqual([
      ['trackSingle', '1234567890', 'Contact', { content_name: 'Popin video call', call_id: 'call-77' }, { eventID: 'Contact.u-1' }],
    ])
    expect(calls.gtag.slice(1)).toEqual([['event', 'popin_call_end', { call_id: 'call-77', invited: true, popin_uid: 'u-1', send_to: 'G-TEST1234' }]])
    expect(calls.analytics).toEqual([['track', 'Call Ended', { popin_uid: 'u-1', call_id: 'call-77', invited: true }]])
  })

  it('popin_rating_done: Facebook custom PopinCallRated, GA4 popin_rating with the rating only, Segment Call Rated', () => {
    const { calls } = play([['popin_rating_done', { uid: 'u-1', rating: 4, comment: 'ok' }]])
    expect(calls.fbq.slice(1)).toEqual([['trackSingleCustom', '1234567890', 'PopinCallRated', { rating: 4 }, { eventID: 'PopinCallRated.u-1' }]])
    expect(calls.gtag.slice(1)).toEqual([['event', 'popin_rating', { rating: 4, popin_uid: 'u-1', send_to: 'G-TEST1234' }]])
    expect(calls.analytics).toEqual([['track', 'Call Rated', { popin_uid: 'u-1', rating: 4, comment: 'ok' }]])
  })

  it('popin_expert_busy and its alias popin_call_missed', () => {
    const { calls, dataLayer } = play([
      ['popin_expert_busy', { uid: 'u-1' }],
      ['popin_call_missed', { uid: 'u-2' }],
    ])
    expect(calls.fbq.slice(1)).toEqual([
      ['trackSingleCustom', '1234567890', 'PopinExpertBusy', {}, { eventID: 'PopinExpertBusy.u-1' }],
      ['trackSingleCustom', '1234567890', 'PopinExpertBusy', {}, { eventID: 'PopinExpertBusy.u-2' }],
    ])
    expect(calls.gtag.slice(1)).toEqual([
      ['event', 'popin_expert_busy', { popin_uid: 'u-1', send_to: 'G-TEST1234' }],
      ['event', 'popin_expert_busy', { popin_uid: 'u-2', send_to: 'G-TEST1234' }],
    ])
    expect(calls.analytics).toEqual([
      ['track', 'Expert Busy Shown', { popin_uid: 'u-1' }],
      ['track', 'Expert Busy Shown', { popin_uid: 'u-2' }],
    ])
    expect(dataLayer.filter((entry: any) => entry.event).map((entry: any) => entry.event)).toEqual(['popin.popin_expert_busy', 'popin.popin_expert_busy'])
  })

  it('permissions, nudges: GA4 popin_*, Segment track, Facebook only for a granted permission', () => {
    const { calls } = play([
      ['popin_permission_given', { uid: 'u-1', audio: true, video: false }],
      ['popin_permission_denied', { uid: 'u-1', audio: false, video: false }],
      ['nudge_show', { uid: 'u-1' }],
      ['nudge_open', { uid: 'u-1' }],
      ['nudge_close', { uid: 'u-1' }],
    ])
    expect(calls.fbq.slice(1)).toEqual([
      ['trackSingleCustom', '1234567890', 'PopinPermissionGiven', { audio: true, video: false }, { eventID: 'PopinPermissionGiven.u-1' }],
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
  })

  it('screen navigation: GA4 popin_screen_view with the screen id, Segment Widget Screen Viewed, unknown screens too', () => {
    const { calls, dataLayer } = play([
      ['popin_screen', { uid: 'u-1', screen: 'SCREEN_CHAT' }],
      ['screen_changed', { uid: 'u-1', screen: 'SCREEN_FROM_THE_FUTURE' }],
    ])
    expect(calls.fbq.slice(1)).toEqual([])
    expect(calls.gtag.slice(1)).toEqual([
      ['event', 'popin_screen_view', { screen_id: 'SCREEN_CHAT', popin_uid: 'u-1', send_to: 'G-TEST1234' }],
      ['event', 'popin_screen_view', { screen_id: 'SCREEN_FROM_THE_FUTURE', popin_uid: 'u-1', send_to: 'G-TEST1234' }],
    ])
    expect(calls.analytics).toEqual([
      ['track', 'Widget Screen Viewed', { popin_uid: 'u-1', screen_id: 'SCREEN_CHAT' }],
      ['track', 'Widget Screen Viewed', { popin_uid: 'u-1', screen_id: 'SCREEN_FROM_THE_FUTURE' }],
    ])
    expect(dataLayer.filter((entry: any) => entry.event)).toEqual([
      { event: 'popin.screen_view', popin: { uid: 'u-1', screen: 'SCREEN_CHAT' }, popin_event_id: 'popin.screen_view.u-1' },
      { event: 'popin.screen_view', popin: { uid: 'u-1', screen: 'SCREEN_FROM_THE_FUTURE' }, popin_event_id: 'popin.screen_view.u-1' },
    ])
  })

  it('unknown events: forwarded under their own name to GA4, Segment and the dataLayer, not to Facebook', () => {
    const { calls, dataLayer } = play([['popin_widget_open', { uid: 'u-1', source: 'launcher' }]])
    expect(calls.fbq.slice(1)).toEqual([])
    expect(calls.gtag.slice(1)).toEqual([['event', 'popin_widget_open', { uid: 'u-1', source: 'launcher', send_to: 'G-TEST1234' }]])
    expect(calls.analytics).toEqual([['track', 'popin_widget_open', { uid: 'u-1', source: 'launcher' }]])
    expect(dataLayer.at(-1)).toEqual({ event: 'popin.popin_widget_open', popin: { uid: 'u-1', source: 'launcher' }, popin_event_id: 'popin.popin_widget_open.u-1' })
  })
})
