import type { RuleSet } from '../../src/mapping/types'

const call = { content_name: 'Popin video call' }

/** Popin webhooks as Conversions API events: the same names as the Pixel preset, so they dedupe. */
export const webhookPreset: Record<string, RuleSet> = {
  popin_user_captured: { name: 'Lead', params: { content_name: 'Popin lead form' } },
  popin_scheduled_created: { name: 'Schedule', params: { ...call, scheduled_at: { '@path': 'scheduled_at' } } },
  popin_call_successful: { name: 'Contact', params: { ...call, call_duration: { '@path': 'call_duration' }, product: { '@path': 'product' } } },
  popin_call_rated: { name: 'PopinCallRated', params: { rating: { '@path': 'rating' } } },
  popin_call_missed: { name: 'PopinCallMissed' },
  popin_call_abandoned: { name: 'PopinCallAbandoned' },
  popin_call_remark_added: false,
  popin_missed_notification: false,
  popin_scheduled_notification: false,
  popin_prescheduled_notification: false,
  popin_call_guest_connected: false,
  '*': false,
}
