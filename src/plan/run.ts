import type { Call } from '../adapter'
import { CONTACT_EVENTS } from '../events/catalog'
import type { PopinEvent } from '../events/intake'
import { withoutQuery } from '../lib/without-query'
import type { JsonObject } from '../lib/json'
import { contactOf } from '../privacy/contact'
import { matchKeys } from '../privacy/match-keys'
import { isClean } from '../privacy/policy'
import { CONTEXT, DEBUGS, HASHES } from '../lib/tag-features'
import { IN_BROWSER_BUNDLE } from '../lib/browser-bundle'
import type { CallPlan, DestinationPlan, NoCall, Plan, RuleTable, Section } from './compile'
import { forwardPayload, type Occurrence } from './readers'

type OccurrenceFields = Omit<Call, 'call' | 'name' | 'params' | 'matchKeys'>

/** An occurrence with what all its calls carry (its id, visitor, page), worked out once. */
export interface IdentifiedOccurrence extends Occurrence {
  fields: OccurrenceFields
}

/**
 * Runs one destination's plan for one occurrence: zero, one or several policy-clean calls.
 * Screen-navigation events use `screens`, webhooks `webhooks`, everything else `events`.
 */
export function runDestination(plan: DestinationPlan, o: IdentifiedOccurrence): Call[] | NoCall {
  const { event } = o
  const [section, key]: [Section, string] =
    event.kind === 'screen' ? ['screens', event.screen as string] : isWebhook(event) ? ['webhooks', event.name] : ['events', event.name]
  const calls = callsFor(plan.sections[section], key)
  if (!Array.isArray(calls)) return calls
  const { adapter, policy } = plan
  const shared = sharedFields(plan, o)
  const out: Call[] = []
  for (const callPlan of calls) {
    const name = callPlan.name(o)
    if (name === undefined) continue
    const params: JsonObject = {}
    for (const [paramKey, read] of callPlan.params) {
      const value = read(o)
      if (value !== undefined) params[paramKey] = value
    }
    if ((typeof __TAG_READERS__ === 'undefined' || __TAG_READERS__.payload) && callPlan.payload) forwardPayload(params, o, policy)
    out.push({ call: callPlan.call ?? adapter.defaultCall?.(name) ?? (adapter.calls[0] as string), name, params, ...shared })
  }
  // Only debug mode says why.
  return out.length ? out : { reason: DEBUGS ? `${section}.${key}: no name the privacy policy lets out` : '' }
}

/** A key's calls, or the fallback's; in a page they are made when first needed (src/tag/plan-code.ts, src/plan/instantiate.ts). */
function callsFor(table: RuleTable, key: string): CallPlan[] | NoCall {
  const own = table.rules.get(key)
  const found = own ?? table.fallback
  if (typeof found !== 'function') return found
  const made = found()
  if (own) table.rules.set(key, made)
  else table.fallback = made
  return made
}

/** Only the relay receives webhooks: a page never does. */
const isWebhook = (event: PopinEvent) => !IN_BROWSER_BUNDLE && event.kind === 'webhook'

/** The occurrence (the caller's own, not copied), given its id and what all its calls carry, before any destination runs. */
export function identify(plan: Plan, occurrence: Occurrence): IdentifiedOccurrence {
  const identified = occurrence as IdentifiedOccurrence
  identified.fields = occurrenceFields(occurrence.event, plan.eventId(occurrence))
  return identified
}

/** What an occurrence's calls carry besides their names and params, the same for every destination. */
function occurrenceFields(event: PopinEvent, eventId: string): OccurrenceFields {
  const fields: OccurrenceFields = { eventId, event: { name: event.name, kind: event.kind } }
  if (!CONTEXT) return fields
  const visitor = event.data[isWebhook(event) ? 'user_id' : 'uid']
  if ((typeof visitor === 'string' || typeof visitor === 'number') && isClean(visitor, 'id')) fields.visitor = String(visitor)
  const url = typeof event.data.url === 'string' ? withoutQuery(event.data.url) : undefined
  if (url && isClean(url, 'url')) fields.url = url
  return fields
}

/**
 * The occurrence's fields, and Meta's match keys for a destination whose plan asks for them.
 * Each call copies them (runDestination): they are not copied here too.
 */
function sharedFields(plan: DestinationPlan, { event, fields }: IdentifiedOccurrence): Omit<Call, 'call' | 'name' | 'params'> {
  if (HASHES && plan.matchKeys && (isWebhook(event) || CONTACT_EVENTS.has(event.name))) {
    const keys = matchKeys(contactOf(event.data), plan.policy.hash)
    if (Object.keys(keys).length) return { ...fields, matchKeys: keys }
  }
  return fields
}
