import type { Adapter, ParamSource, Rule } from '../adapter'
import { DEFAULT_EVENT_ID } from '../config/defaults'
import { splitTemplate } from '../lib/template'
import { idTemplate } from '../plan/instantiate'
import type { CallsSource, DestinationSource, PlanSource, TableSource } from '../plan/plan'
import { matchSource } from '../plan/readers'
import { fieldClass } from '../privacy/policy'

/** The runtime's functions the code calls (src/tag/runtime.ts exports them). */
type Callee = 'constantReader' | 'pathReader' | 'pageReader' | 'objectReader' | 'templateReader' | 'eventIdReader' | 'defaultEventId'

/**
 * The tag's plan as code: `function (hash) { return plan }`, the runnable plan that
 * `instantiate` would build in the page (src/plan/instantiate.ts), its readers chosen and their
 * classes looked up at build time, so the tag carries neither `instantiate` nor the readers its
 * rules do not use; a rule's call is worked out when its name is a constant. ES5, for the GTM tag.
 * `local` gives the runtime's local name of a function or a destination; without `ids` nothing
 * reads an occurrence's id, and the plan makes none.
 */
export function planCode(plan: PlanSource, adapters: readonly Adapter[], local: (name: string) => string, ids = true): string {
  const json = (value: unknown) => (value === undefined ? 'void 0' : JSON.stringify(value))
  const call = (callee: Callee, ...args: string[]) => `${local(callee)}(${args.join(',')})`
  const adapterOf = (name: string) => adapters.find((a) => a.name === name) as Adapter
  const fields = (object: object) => Object.entries(object).map(([key, value]) => `${json(key)}:${json(value)}`)

  // What `sourceReader` builds (src/plan/readers.ts), as code.
  const source = (value: ParamSource, policy: string): string =>
    matchSource<string>(value, {
      constant: (constant) => call('constantReader', json(constant)),
      path: (path) => call('pathReader', json(path), json(fieldClass(path)), policy),
      template: (template) => call('templateReader', json(splitTemplate(template)), policy),
      page: (field) => call('pageReader', json(field), policy),
      object: (children) => call('objectReader', `[${children.map(([key, child]) => `[${json(key)},${child}]`)}]`),
    })
  // As `instantiateRule` builds it; a name without variables is a constant, and so is the call an
  // adapter's `defaultCall` gives it (src/plan/run.ts).
  const rule = (adapter: Adapter, { call: given, name: named, params, payload }: Rule, policy: string) => {
    const name = named ?? '{{event}}'
    const sources = params ?? {}
    const readers = Object.keys(sources)
      .filter((key) => sources[key] !== null)
      .map((key) => `[${json(key)},${source(sources[key] as ParamSource, policy)}]`)
    const constant = splitTemplate(name).length === 1
    const kind = given || (constant ? adapter.defaultCall?.(name) : undefined)
    const reader = constant ? call('constantReader', json(name)) : call('templateReader', json(splitTemplate(name)), policy)
    // `payload` left out is false (src/plan/run.ts reads it as a condition).
    return `{${kind ? `call:${json(kind)},` : ''}name:${reader},params:[${readers}]${payload === true ? ',payload:true' : ''}}`
  }
  // A key's calls are made the first time an event needs them (src/plan/run.ts): most keys never
  // come on a page, and the readers of all of them took a tenth of a millisecond of its load.
  const calls = (adapter: Adapter, found: CallsSource, policy: string) =>
    typeof found === 'string' ? `{reason:${json(found)}}` : `function(){return[${found.map((r) => rule(adapter, r, policy))}]}`
  // A key that sends nothing for the fallback's own reason is the fallback: left out.
  const table = (adapter: Adapter, { rules, fallback }: TableSource, policy: string) => {
    const own = rules.filter(([, found]) => typeof found !== 'string' || found !== fallback)
    return `{rules:new Map([${own.map(([key, found]) => `[${json(key)},${calls(adapter, found, policy)}]`)}]),fallback:${calls(adapter, fallback, policy)}}`
  }

  const { eventId, destinations, ...settings } = plan
  // One policy object for each way of treating personal data (readers only read it).
  const personal = [...new Set(destinations.map((d) => d.personal))]
  const policy = (d: DestinationSource) => `p${personal.indexOf(d.personal)}`
  const runnable = destinations.map((d) => {
    const { name, personal: _personal, sections, ...rest } = d
    // A page never receives webhooks (src/plan/run.ts): their table is left out.
    const tables = (['events', 'screens'] as const).map((key) => `${key}:${table(adapterOf(name), sections[key], policy(d))}`)
    return `{${[...fields(rest), `adapter:${local(name)}`, `policy:${policy(d)}`, `sections:{${tables}}`]}}`
  })
  const policies = personal.map((treatment, i) => `p${i}={personal:${json(treatment)},hash:hash}`)
  const id = !ids ? 'function(){return""}' : idTemplate(eventId) === DEFAULT_EVENT_ID ? local('defaultEventId') : call('eventIdReader', json(eventId), 'hash')
  const body = [...fields(settings), `eventId:${id}`, `destinations:[${runnable}]`]
  return `function(hash){${policies.length ? `var ${policies};` : ''}return{${body}}}`
}
