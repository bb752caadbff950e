import type { Preset } from '../../src/adapter'

const uid = { '@path': 'uid' } as const

/** GA4 recommended `generate_lead` for leads; `popin_*` for the rest. Never personal data. */
export const preset: Preset = {
  events: {
    popin_captured: { name: 'generate_lead', params: { lead_source: 'popin', popin_group: { '@path': 'group' }, popin_uid: uid } },
    popin_schedule_created: {
      name: 'popin_schedule_created',
      params: { schedule_time: { '@path': 'time' }, schedule_timezone: { '@path': 'timezone' }, popin_uid: uid },
    },
    popin_call_end: { name: 'popin_call_end', params: { call_id: { '@path': 'callId' }, invited: { '@path': 'invited' }, popin_uid: uid } },
    popin_rating_done: { name: 'popin_rating', params: { rating: { '@path': 'rating' }, popin_uid: uid } },
    popin_expert_busy: { name: 'popin_expert_busy', params: { popin_uid: uid } },
    popin_permission_given: {
      name: 'popin_permission_given',
      params: { audio: { '@path': 'audio' }, video: { '@path': 'video' }, popin_uid: uid },
    },
    popin_permission_denied: {
      name: 'popin_permission_denied',
      params: { audio: { '@path': 'audio' }, video: { '@path': 'video' }, popin_uid: uid },
    },
    nudge_show: { name: 'popin_nudge_show', params: { popin_uid: uid } },
    nudge_open: { name: 'popin_nudge_open', params: { popin_uid: uid } },
    nudge_close: { name: 'popin_nudge_close', params: { popin_uid: uid } },
    '*': { name: '{{event}}', payload: true },
  },
  screens: {
    '*': { name: 'popin_screen_view', params: { screen_id: { '@path': 'screen' }, popin_uid: uid } },
  },
}
