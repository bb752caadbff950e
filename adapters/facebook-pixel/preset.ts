import type { Preset } from '../../src/adapter'

/**
 * Conversions only: ad platforms learn from outcomes, not from every widget click. The Pixel
 * sends the conversions the browser sees; the Conversions API (webhooks.ts) only those it
 * cannot, so no conversion counts twice (README, "Which channel sends what").
 */
export const preset: Preset = {
  events: {
    popin_captured: { name: 'Lead', params: { content_name: 'Popin lead form', content_category: { '@path': 'group' } } },
    popin_schedule_created: { name: 'Schedule', params: { content_name: 'Popin video call' } },
    popin_call_end: { name: 'Contact', params: { content_name: 'Popin video call', call_id: { '@path': 'callId' } } },
    popin_rating_done: { name: 'PopinCallRated', params: { rating: { '@path': 'rating' } } },
    popin_expert_busy: { name: 'PopinExpertBusy' },
    popin_permission_given: { name: 'PopinPermissionGiven', params: { audio: { '@path': 'audio' }, video: { '@path': 'video' } } },
    popin_permission_denied: false,
    nudge_show: false,
    nudge_open: false,
    nudge_close: false,
    '*': false,
  },
  screens: { '*': false },
}
