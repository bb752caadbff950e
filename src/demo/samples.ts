import { SCREEN_IDS } from '../events/catalog'

/** Realistic payloads for each browser event, as the playground's simulated widget sends them. */
export const SAMPLE_EVENTS: Record<string, Record<string, unknown>> = {
  nudge_show: { uid: 'demo-visitor-1' },
  nudge_open: { uid: 'demo-visitor-1' },
  nudge_close: { uid: 'demo-visitor-1' },
  popin_permission_given: { uid: 'demo-visitor-1', audio: true, video: true },
  popin_permission_denied: { uid: 'demo-visitor-1', audio: false, video: true },
  popin_expert_busy: { uid: 'demo-visitor-1' },
  popin_rating_done: { uid: 'demo-visitor-1', rating: 5, comment: 'Very helpful, thank you!' },
  popin_schedule_created: { uid: 'demo-visitor-1', timezone: 'Europe/Paris', time: '2026-11-24 10:30' },
  popin_call_end: { uid: 'demo-visitor-1', callId: 'call-4711', invited: false },
  popin_captured: {
    uid: 'demo-visitor-1',
    name: 'Ada Lovelace',
    email: 'ada@example.com',
    mobile: '+44 7700 900123',
    country: 'GB',
    city: 'London',
    pin_code: 'NW1 6XE',
    group: 'sofas',
  },
  popin_widget_open: { uid: 'demo-visitor-1' },
}

/** The event name the playground uses for screen navigation (Popin has not published its own). */
export const SCREEN_EVENT = 'popin_screen_change'

export const SAMPLE_SCREENS = [...SCREEN_IDS, 'SCREEN_NOT_YET_KNOWN']

/** A whole widget session, in order. */
export const SAMPLE_SESSION: [string, Record<string, unknown>][] = [
  ['nudge_show', SAMPLE_EVENTS.nudge_show!],
  ['nudge_open', SAMPLE_EVENTS.nudge_open!],
  [SCREEN_EVENT, { uid: 'demo-visitor-1', screen: 'SCREEN_CONNECT_OR_SCHEDULE' }],
  [SCREEN_EVENT, { uid: 'demo-visitor-1', screen: 'SCREEN_CONNECT_GATE_QUEUE' }],
  ['popin_permission_given', SAMPLE_EVENTS.popin_permission_given!],
  [SCREEN_EVENT, { uid: 'demo-visitor-1', screen: 'SCREEN_VIDEO_CALL' }],
  ['popin_call_end', SAMPLE_EVENTS.popin_call_end!],
  [SCREEN_EVENT, { uid: 'demo-visitor-1', screen: 'SCREEN_REVIEW_AGENT' }],
  ['popin_rating_done', SAMPLE_EVENTS.popin_rating_done!],
  [SCREEN_EVENT, { uid: 'demo-visitor-1', screen: 'SCREEN_CAPTURE_USER_INFO' }],
  ['popin_captured', SAMPLE_EVENTS.popin_captured!],
  [SCREEN_EVENT, { uid: 'demo-visitor-1', screen: 'SCREEN_SCHEDULE_SLOTS' }],
  ['popin_schedule_created', SAMPLE_EVENTS.popin_schedule_created!],
  ['nudge_close', SAMPLE_EVENTS.nudge_close!],
]
