/**
 * What the Popin widget reports through `window.popinEvent(event, data)`.
 * Source: Popin's "3P events" developer page (autumn 2025). Any field may be missing.
 */

/** Fields every browser payload may carry: `uid` is the visitor's widget session, not a customer id. */
export interface PopinBase {
  uid?: string
}

export interface PermissionPayload extends PopinBase {
  audio?: boolean
  video?: boolean
}

export interface RatingPayload extends PopinBase {
  rating?: number
  comment?: string
}

export interface SchedulePayload extends PopinBase {
  timezone?: string
  time?: string
}

export interface CallEndPayload extends PopinBase {
  callId?: string
  invited?: boolean
}

/** Popin drops empty fields before the call, so every field is optional. */
export interface CapturedPayload extends PopinBase {
  name?: string
  email?: string
  country?: string
  mobile?: string
  city?: string
  pin_code?: string
  group?: string
}

export interface ScreenPayload extends PopinBase {
  screen: ScreenId | (string & {})
}

/** Payload type of each named browser event. */
export interface PopinEventMap {
  nudge_show: PopinBase
  nudge_open: PopinBase
  nudge_close: PopinBase
  popin_permission_given: PermissionPayload
  popin_permission_denied: PermissionPayload
  popin_expert_busy: PopinBase
  popin_rating_done: RatingPayload
  popin_schedule_created: SchedulePayload
  popin_call_end: CallEndPayload
  popin_captured: CapturedPayload
}

export type PopinEventName = keyof PopinEventMap

export const POPIN_EVENTS: readonly PopinEventName[] = [
  'nudge_show',
  'nudge_open',
  'nudge_close',
  'popin_permission_given',
  'popin_permission_denied',
  'popin_expert_busy',
  'popin_rating_done',
  'popin_schedule_created',
  'popin_call_end',
  'popin_captured',
]

/** One revision of Popin's doc names `popin_expert_busy` this way. */
export const EVENT_ALIASES: ReadonlyMap<string, PopinEventName> = new Map([['popin_call_missed', 'popin_expert_busy']])

export const SCREEN_IDS = [
  'SCREEN_CAPTURE_USER_INFO',
  'SCREEN_CONNECT_OR_SCHEDULE',
  'SCREEN_CONNECT_GATE_QUEUE',
  'SCREEN_SCHEDULE_CALLBACK',
  'PRODUCT_CART',
  'SCREEN_EVENT_LIST',
  'SCREEN_RECENT_PRODUCTS',
  'SCREEN_SCHEDULE_CALENDAR',
  'SCREEN_FAQ_VIEW',
  'SCREEN_ASK_QUESTION_INPUT',
  'SCREEN_ASK_QUESTION_CONFIRM',
  'SCREEN_FAQ_SELECTIVE',
  'SCREEN_RETURNING_USER',
  'SCREEN_SCHEDULE_SLOTS',
  'SCREEN_EXPERTS_BUSY',
  'SCREEN_VIDEO_CALL',
  'SCREEN_CHAT',
  'SCREEN_REVIEW_AGENT',
  'SCREEN_SCHEDULE_WAITING',
  'SCREEN_INVITE_CALL_EXPIRED',
] as const

export type ScreenId = (typeof SCREEN_IDS)[number]

/** The events Popin POSTs to a webhook URL (Popin's "webhooks" page, autumn 2025). */
export const WEBHOOK_EVENTS = [
  'popin_call_successful',
  'popin_call_missed',
  'popin_call_abandoned',
  'popin_call_remark_added',
  'popin_scheduled_created',
  'popin_missed_notification',
  'popin_scheduled_notification',
  'popin_prescheduled_notification',
  'popin_user_captured',
  'popin_call_rated',
  'popin_call_guest_connected',
] as const

/**
 * What each payload field Popin documents is, for the privacy policy (src/privacy/policy.ts):
 * - `personal`: identifies or describes a person (the visitor, or an agent), or is free text
 *   they typed. `captured` is the auto-capture customer object, `extra` free-form customer data.
 * - `id`: a pseudonymous id Popin made (the widget session, the visitor, a call); safe in params,
 *   never in event ids (they use only the bridge's own occurrence and catalog event names).
 * - a shape (`flag`, `number`, `country`, `guest`, `dialing`, `time`, `zone`, `duration`, `url`,
 *   `screen`, `event`, `label`): a documented, non-personal field, whose value must still look like it.
 * Fields not listed are unknown (new Popin fields): the policy judges them by their value.
 */
export type FieldClass = 'personal' | 'id' | 'flag' | 'number' | 'country' | 'guest' | 'dialing' | 'time' | 'zone' | 'duration' | 'url' | 'screen' | 'event' | 'label'

// Pairs, not built from groups: a page builds this in 5 µs, from `names.split(' ')` groups in
// 100-200 (Chromium, code run once). A compiled tag carries the fields its plan reads by name
// (src/tag/needs.ts).
export const FIELD_CLASSES: ReadonlyMap<string, FieldClass> = /* @__PURE__ */ new Map<string, FieldClass>(
  typeof __TAG_FIELDS__ !== 'undefined' ? (__TAG_FIELDS__ as [string, FieldClass][]) : [
  ['name', 'personal'], ['email', 'personal'], ['mobile', 'personal'], ['phone', 'personal'], ['city', 'personal'],
  ['pin_code', 'personal'], ['comment', 'personal'], ['captured', 'personal'], ['customer_name', 'personal'], ['customer_email', 'personal'],
  ['customer_phone_number', 'personal'], ['phone_number', 'personal'], ['full_phone_number', 'personal'], ['agent_name', 'personal'], ['agent_email', 'personal'],
  ['guest_agent_name', 'personal'], ['guest_agent_email', 'personal'], ['remark', 'personal'], ['comments', 'personal'], ['extra', 'personal'],
  ['uid', 'id'], ['user_id', 'id'], ['guest_id', 'id'], ['callId', 'id'],
  ['audio', 'flag'], ['video', 'flag'], ['invited', 'flag'],
  ['rating', 'number'],
  ['country', 'country'],
  ['guest_type', 'guest'],
  ['country_code', 'dialing'], ['customer_country_code', 'dialing'],
  ['time', 'time'], ['timestamp', 'time'], ['scheduled_time', 'time'], ['scheduled_date', 'time'],
  ['scheduled_time_local', 'time'], ['scheduled_date_local', 'time'], ['scheduled_at', 'time'],
  ['timezone', 'zone'],
  ['call_duration', 'duration'],
  ['url', 'url'],
  ['screen', 'screen'],
  ['event', 'event'],
  // Labels the shop sets up in Popin (a widget group, a product name), not the visitor.
  ['group', 'label'], ['product', 'label'],
  ],
)

export function isKnownEvent(name: string): name is PopinEventName {
  return (POPIN_EVENTS as readonly string[]).includes(name)
}

/** The name the plan uses: aliases folded into the catalog name. Own names only: a Map. */
export function canonicalEventName(name: string): string {
  return EVENT_ALIASES.get(name) ?? name
}

/** Browser events that carry a visitor's contact details (webhooks may all carry them). */
export const CONTACT_EVENTS: ReadonlySet<string> = /* @__PURE__ */ new Set(['popin_captured'])
