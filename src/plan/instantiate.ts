import type { Adapter, Rule } from '../adapter'
import { DEFAULT_EVENT_ID } from '../config/defaults'
import type { Hash } from '../privacy/policy'
import type { CallPlan, CallsSource, DestinationPlan, NoCall, Plan, PlanSource, RuleTable, Section, TableSource } from './plan'
import { sourceReader, templateReader, type Policy } from './readers'

/**
 * A plan's data made runnable: every name, reader and check built once. The bridge runs it, the
 * relay runs it, and the compiled tag runs the one it was built with.
 */
export function instantiate(source: PlanSource, adapters: readonly Adapter[], hash: Hash): Plan {
  const destinations: DestinationPlan[] = []
  for (const destination of source.destinations) {
    const adapter = adapters.find((a) => a.name === destination.name)
    if (!adapter) continue
    const policy: Policy = { personal: destination.personal, hash }
    const table = (key: Section) => instantiateTable(destination.sections[key], policy)
    destinations.push({
      adapter,
      settings: destination.settings,
      explicit: destination.explicit,
      category: destination.category,
      policy,
      matchKeys: destination.matchKeys,
      sections: { events: table('events'), screens: table('screens'), webhooks: table('webhooks') },
    })
  }
  // Ids reach every destination: the event's name goes in only when the catalog lists it. A
  // template without the occurrence would give two occurrences one id: the checks refuse it, and
  // a config that answered them otherwise still gets the default.
  const template = OCCURRENCE.test(source.eventId) ? source.eventId : DEFAULT_EVENT_ID
  const eventId = templateReader(template, { personal: 'omit', hash }, 'known-event')
  return {
    debug: source.debug,
    // A name left out leaves no stray separator behind.
    eventId: (o) => (eventId(o) ?? o.id).replace(/^[._:-]+|[._:-]+$/g, '').replace(/([._:-])[._:-]+/g, '$1'),
    readyTimeoutMs: source.readyTimeoutMs,
    queueLimit: source.queueLimit,
    consent: source.consent,
    destinations,
    disabled: source.disabled,
    ...(source.relayUrl ? { relayUrl: source.relayUrl } : {}),
  }
}

const OCCURRENCE = /\{\{\s*occurrence\s*\}\}/

function instantiateTable({ rules, fallback }: TableSource, policy: Policy): RuleTable {
  const calls = (source: CallsSource): CallPlan[] | NoCall => (typeof source === 'string' ? { reason: source } : source.map((rule) => instantiateRule(rule, policy)))
  return { rules: new Map(rules.map(([key, source]) => [key, calls(source)])), fallback: calls(fallback) }
}

function instantiateRule(rule: Rule, policy: Policy): CallPlan {
  return {
    ...(rule.call ? { call: rule.call } : {}),
    name: templateReader(rule.name ?? '{{event}}', policy),
    params: Object.keys(rule.params ?? {})
      .filter((key) => rule.params?.[key] !== null)
      .map((key) => [key, sourceReader(rule.params?.[key] as never, policy)]),
    payload: rule.payload === true,
  }
}
