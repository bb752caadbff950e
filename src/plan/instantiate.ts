import type { Adapter, ParamSource, Rule } from '../adapter'
import { DEFAULT_EVENT_ID } from '../config/defaults'
import { isClean, type Hash } from '../privacy/policy'
import type { CallPlan, CallsSource, DestinationPlan, Plan, PlanSource, RuleTable, Section, TableSource } from './plan'
import { sourceReader, templateReader, type Policy } from './readers'
import { IN_BROWSER_BUNDLE } from '../lib/browser-bundle'

/**
 * A plan's data made runnable: every name, reader and check built once. The bridge runs it, the
 * relay runs it, and the compiled tag runs the one it was built with.
 */
export function instantiate(source: PlanSource, adapters: readonly Adapter[], hash: Hash): Plan {
  const destinations: DestinationPlan[] = []
  for (const { name, personal, sections, ...rest } of source.destinations) {
    const adapter = adapters.find((a) => a.name === name)
    if (!adapter) continue
    const policy: Policy = { personal, hash }
    const table = (key: Section) => instantiateTable(sections[key], policy)
    destinations.push({ ...rest, adapter, policy, sections: { events: table('events'), screens: table('screens'), webhooks: table('webhooks') } })
  }
  return { ...source, eventId: eventIdReader(source.eventId, hash), destinations }
}

/**
 * Ids reach every destination: the event's name goes in only when the catalog lists it. A
 * template without the occurrence would give two occurrences one id: the checks refuse it, and
 * a config that answered them otherwise still gets the default.
 */
export function eventIdReader(eventId: string, hash: Hash): Plan['eventId'] {
  const read = templateReader(idTemplate(eventId), { personal: 'omit', hash }, 'known-event')
  return (o) => tidyId(read(o) ?? o.id)
}

/** The id template a plan's `eventId` gives. */
export const idTemplate = (eventId: string) => (OCCURRENCE.test(eventId) ? eventId : DEFAULT_EVENT_ID)

/**
 * What `eventIdReader` makes of the default template, `{{event}}.{{occurrence}}`, with no template
 * to read: a compiled tag whose rules read no template carries this instead (src/tag/plan-code.ts).
 * Nothing to tidy: the catalog's names and a page's occurrence ids have no stray separator (a test
 * says so).
 */
export const defaultEventId: Plan['eventId'] = (o) => (isClean(o.event.name, 'known-event') ? `${o.event.name}.${o.id}` : o.id)

/** A name left out leaves no stray separator behind. */
const tidyId = (id: string) => id.replace(/^[._:-]+|[._:-]+$/g, '').replace(/([._:-])[._:-]+/g, '$1')

const OCCURRENCE = /\{\{\s*occurrence\s*\}\}/

/**
 * In a drop-in, a key's calls are made when an event first needs them (src/plan/run.ts): most keys
 * never come on a page, and making them all took lite's start-up 0.4 ms (Chromium). The relay and
 * the npm package make them at once, so that a rule that cannot be made fails at start.
 */
function instantiateTable({ rules, fallback }: TableSource, policy: Policy): RuleTable {
  const make = (source: Rule[]) => source.map((rule) => instantiateRule(rule, policy))
  const calls = (source: CallsSource): RuleTable['fallback'] => (typeof source === 'string' ? { reason: source } : IN_BROWSER_BUNDLE ? () => make(source) : make(source))
  return { rules: new Map(rules.map(([key, source]) => [key, calls(source)])), fallback: calls(fallback) }
}

function instantiateRule({ call, name, params, payload }: Rule, policy: Policy): CallPlan {
  const sources = params ?? {}
  return {
    ...(call ? { call } : {}),
    name: templateReader(name ?? '{{event}}', policy),
    params: Object.keys(sources)
      .filter((key) => sources[key] !== null)
      .map((key) => [key, sourceReader(sources[key] as ParamSource, policy)]),
    payload: payload === true,
  }
}
