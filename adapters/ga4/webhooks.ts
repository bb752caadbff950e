import type { RuleSet } from '../../src/adapter'

const event = (name: string, params: Record<string, unknown> = {}): RuleSet => ({ name, params: params as never })
const duration = { call_duration: { '@path': 'call_duration' } }

/**
 * Popin webhooks as GA4 events: outcomes only, never personal data (names, emails, URLs). A lead, a
 * schedule and a rating reach GA4 from the page (its `generate_lead`, `popin_schedule_created`,
 * `popin_rating`): GA4 deduplicates nothing, so the webhook for the same moment would count twice.
 * Turn one on here only with the page's off.
 */
export const webhookPreset: Record<string, RuleSet> = {
  popin_user_captured: false,
  popin_call_successful: event('popin_call_successful', duration),
  popin_call_missed: event('popin_call_missed'),
  popin_call_abandoned: event('popin_call_abandoned'),
  popin_call_remark_added: event('popin_call_remark_added', duration),
  popin_scheduled_created: false,
  popin_missed_notification: event('popin_missed_notification'),
  popin_scheduled_notification: event('popin_scheduled_notification', { scheduled_at: { '@path': 'scheduled_at' } }),
  popin_prescheduled_notification: event('popin_prescheduled_notification', { scheduled_at: { '@path': 'scheduled_at' } }),
  popin_call_rated: false,
  popin_call_guest_connected: event('popin_call_guest_connected', { guest_type: { '@path': 'guest_type' } }),
  '*': { name: '{{event}}' },
}
