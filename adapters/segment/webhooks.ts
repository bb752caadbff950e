import type { Rule, RuleSet } from '../../src/adapter'

const p = (path: string) => ({ '@path': path })
const track = (name: string, params: Record<string, unknown> = {}): Rule => ({ call: 'track', name, params: { popin_user_id: p('user_id'), ...params } as never })
const call = { url: p('url'), agent_name: p('agent_name'), product: p('product') }
const scheduled = { scheduled_at: p('scheduled_at'), scheduled_date: p('scheduled_date'), scheduled_time: p('scheduled_time'), url: p('url'), agent_name: p('agent_name') }

/**
 * Popin webhooks as Segment "Object Action" events; a captured user is identified. A lead, a
 * schedule and a rating are tracked from the page (`Lead Captured`, `Call Scheduled`, `Call Rated`,
 * with other messageIds): the webhook for the same moment would count twice. Turn one on here only
 * with the page's off.
 */
export const webhookPreset: Record<string, RuleSet> = {
  popin_user_captured: { call: 'identify', params: { name: p('customer_name'), email: p('customer_email'), phone: p('customer_phone_number'), country_code: p('customer_country_code') } },
  popin_call_successful: track('Call Completed', { ...call, call_duration: p('call_duration') }),
  popin_call_missed: track('Call Missed', { url: p('url'), product: p('product') }),
  popin_call_abandoned: track('Call Abandoned', { url: p('url'), product: p('product') }),
  popin_call_remark_added: track('Call Remark Added', { remark: p('remark'), call_duration: p('call_duration') }),
  popin_scheduled_created: false,
  popin_missed_notification: track('Missed Call Notification Sent', { url: p('url'), agent_name: p('agent_name') }),
  popin_scheduled_notification: track('Call Reminder Sent', scheduled),
  popin_prescheduled_notification: track('Call Pre-Reminder Sent', scheduled),
  popin_call_rated: false,
  popin_call_guest_connected: track('Call Guest Connected', { guest_type: p('guest_type'), url: p('url') }),
  '*': { call: 'track', name: '{{event}}', payload: true },
}
