// What every subject is sent, and what the preset makes of it (test/bench.test.ts reads these too).

/**
 * A realistic widget session, repeated: nudges, screens, a call, a rating, a lead, a booking.
 * @type {[event: string, data: Record<string, unknown>][]}
 */
export const SESSION = [
  ['nudge_show', { uid: 'u-1' }],
  ['nudge_open', { uid: 'u-1' }],
  ['popin_screen', { uid: 'u-1', screen: 'SCREEN_CONNECT_OR_SCHEDULE' }],
  ['popin_permission_given', { uid: 'u-1', audio: true, video: true }],
  ['popin_screen', { uid: 'u-1', screen: 'SCREEN_VIDEO_CALL' }],
  ['popin_call_end', { uid: 'u-1', callId: 'call-77', invited: false }],
  ['popin_rating_done', { uid: 'u-1', rating: 5, comment: 'great' }],
  ['popin_captured', { uid: 'u-1', name: 'Ada', email: 'ada@example.com', country: 'GB', group: 'sofas' }],
  ['popin_schedule_created', { uid: 'u-1', timezone: 'Europe/London', time: '15:30' }],
  ['nudge_close', { uid: 'u-1' }],
]

/** The config the drop-ins read: the preset, all four destinations on the page's own globals. */
export const CONFIG = {}

/** The calls one session makes with the preset (test/bench.test.ts checks them against popin-bridge). */
export const PRESET_CALLS = { fbq: 5, gtag: 10, analytics: 11, dataLayer: 20 }
