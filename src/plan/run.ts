import type { Call } from '../adapter'
import { CONTACT_EVENTS } from '../events/catalog'
import { getPath } from '../lib/get-path'
import type { JsonObject } from '../lib/json'
import { contactOf } from '../privacy/contact'
import { matchKeys } from '../privacy/match-keys'
import { applyPolicy, isClean } from '../privacy/policy'
import type { DestinationPlan, Section } from './compile'
import { forwardPayload, type Occurrence } from './readers'

/** Why a destination got nothing for an event, for debug mode. */
export type NoCall = { reason: string }

const NO_RULE = 'no rule for '

/**
 * Runs one destination's plan for one occurrence: zero, one or several policy-clean calls.
 * Screen-navigation events use `screens`, webhooks `webhooks`, everything else `events`.
 */
export function runDestination(plan: DestinationPlan, o: Occurrence, eventId: string): Call[] | NoCall {
  const { event } = o
  const [section, key]: [Section, string] =
    event.kind === 'screen' ? ['screens', event.screen as string] : event.kind === 'webhook' ? ['webhooks', event.name] : ['events', event.name]
  const table = plan.sections[section]
  const calls = table.rules.get(key) ?? table.fallback
  // The compiled reason names the key: "nudge_show is false", "no rule for *"; put it in its section.
  if (typeof calls === 'string') return { reason: calls.startsWith(NO_RULE) ? `no rule at ${section}.${calls.slice(NO_RULE.length)}` : `${section}.${calls}` }
  const { adapter, policy } = plan
  const shared = sharedFields(plan, o, eventId)
  const out: Call[] = []
  for (const callPlan of calls) {
    const name = callPlan.name(o)
    if (name === undefined) continue
    const params: JsonObject = {}
    for (const [paramKey, read] of callPlan.params) {
      const value = read(o)
      if (value !== undefined) params[paramKey] = value
    }
    if (callPlan.payload) forwardPayload(params, event.data, policy)
    out.push({ call: callPlan.call ?? adapter.defaultCall?.(name) ?? (adapter.calls[0] as string), name, params, ...shared })
  }
  return out.length ? out : { reason: `${section}.${key}: no name the privacy policy lets out` }
}

/** What every call of one occurrence carries besides its own name and params. */
function sharedFields(plan: DestinationPlan, { event }: Occurrence, eventId: string): Omit<Call, 'call' | 'name' | 'params'> {
  const shared: Omit<Call, 'call' | 'name' | 'params'> = { eventId, event: { name: event.name, kind: event.kind } }
  const visitor = getPath(event.data, event.kind === 'webhook' ? 'user_id' : 'uid')
  if (typeof visitor === 'string' && isClean(visitor, 'id')) shared.visitor = visitor
  const url = event.data.url
  if (typeof url === 'string' && /^https?:\/\//.test(url) && applyPolicy(url, 'safe', 'omit', plan.policy.hash) !== undefined) shared.url = url
  if (plan.matchKeys && (event.kind === 'webhook' || CONTACT_EVENTS.has(event.name))) {
    const keys = matchKeys(contactOf(event.data), plan.policy.hash)
    if (Object.keys(keys).length) shared.matchKeys = keys
  }
  return shared
}
