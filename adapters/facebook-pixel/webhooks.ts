import type { RuleSet } from '../../src/adapter'

/**
 * Popin webhooks as Conversions API events: only outcomes the browser never sees. A lead, a
 * schedule, a finished call and a rating reach Meta from the Pixel (the same occurrence from
 * both channels would share no id, and count twice); turn one here on only with the Pixel's off.
 */
export const webhookPreset: Record<string, RuleSet> = {
  popin_user_captured: false,
  popin_scheduled_created: false,
  popin_call_successful: false,
  popin_call_rated: false,
  popin_call_missed: { name: 'PopinCallMissed', params: { product: { '@path': 'product' } } },
  popin_call_abandoned: { name: 'PopinCallAbandoned', params: { product: { '@path': 'product' } } },
  popin_call_remark_added: false,
  popin_missed_notification: false,
  popin_scheduled_notification: false,
  popin_prescheduled_notification: false,
  popin_call_guest_connected: false,
  '*': false,
}
