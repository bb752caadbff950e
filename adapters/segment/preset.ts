import type { Preset } from '../../src/adapter'

const uid = { '@path': 'uid' } as const
const track = (name: string, params: Record<string, unknown> = {}) => ({ call: 'track', name, params: { popin_uid: uid, ...params } })

/**
 * Names follow Segment's "Object Action" spec. Popin's `uid` is a widget session, so it travels
 * as `popin_uid`, never as Segment's userId: identify sends traits for the anonymous visitor.
 */
export const preset: Preset = {
  events: {
    popin_captured: [
      {
        call: 'identify',
        params: {
          name: { '@path': 'name' },
          email: { '@path': 'email' },
          phone: { '@path': 'mobile' },
          address: { city: { '@path': 'city' }, postal_code: { '@path': 'pin_code' }, country: { '@path': 'country' } },
          popin_group: { '@path': 'group' },
        },
      },
      track('Lead Captured', { group: { '@path': 'group' } }),
    ],
    popin_schedule_created: track('Call Scheduled', { time: { '@path': 'time' }, timezone: { '@path': 'timezone' } }),
    popin_call_end: track('Call Ended', { call_id: { '@path': 'callId' }, invited: { '@path': 'invited' } }),
    popin_rating_done: track('Call Rated', { rating: { '@path': 'rating' }, comment: { '@path': 'comment' } }),
    popin_expert_busy: track('Expert Busy Shown'),
    popin_permission_given: track('Device Permission Granted', { audio: { '@path': 'audio' }, video: { '@path': 'video' } }),
    popin_permission_denied: track('Device Permission Denied', { audio: { '@path': 'audio' }, video: { '@path': 'video' } }),
    nudge_show: track('Nudge Shown'),
    nudge_open: track('Nudge Opened'),
    nudge_close: track('Nudge Closed'),
    '*': { call: 'track', name: '{{event}}', payload: true },
  },
  screens: {
    '*': track('Widget Screen Viewed', { screen_id: { '@path': 'screen' } }),
  },
}
