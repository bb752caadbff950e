import type { ParamSource, Rule } from '../adapter'
import { isPlainObject } from '../lib/is-plain-object'
import { splitTemplate } from '../lib/template'
import type { CallsSource, PlanSource, TableSource } from '../plan/plan'
import { fieldClass } from '../privacy/policy'

/** The runtime's functions the code calls (src/tag/runtime.ts exports them). */
type Callee = 'constantReader' | 'pathReader' | 'pageReader' | 'objectReader' | 'templateReader' | 'eventIdReader'

/**
 * The tag's plan as code: `function (hash) { return plan }`, the runnable plan that
 * `instantiate` would build in the page (src/plan/instantiate.ts), its readers chosen and their
 * classes looked up at build time, so the tag carries neither `instantiate` nor the readers its
 * rules do not use. ES5, for the GTM tag. `local` gives the runtime's local name of a function,
 * `adapter` of a destination.
 */
export function planCode(plan: PlanSource, local: (name: Callee) => string, adapter: (name: string) => string): string {
  const json = (value: unknown) => (value === undefined ? 'void 0' : JSON.stringify(value))
  const call = (callee: Callee, ...args: string[]) => `${local(callee)}(${args.join(',')})`
  const fields = (object: object) => Object.entries(object).map(([key, value]) => `${json(key)}:${json(value)}`)

  // As `sourceReader` dispatches (src/plan/readers.ts).
  const source = (value: ParamSource, policy: string): string => {
    if (!isPlainObject(value)) return call('constantReader', json(value))
    if ('@path' in value) {
      const path = String(value['@path'])
      return call('pathReader', json(path), json(fieldClass(path)), policy)
    }
    if ('@template' in value) return call('templateReader', json(String(value['@template'])), policy)
    if ('@page' in value) return call('pageReader', json(value['@page']), policy)
    const children = Object.keys(value).map((key) => `[${json(key)},${source((value as Record<string, ParamSource>)[key] as ParamSource, policy)}]`)
    return call('objectReader', `[${children}]`)
  }
  // As `instantiateRule` builds it; a name without variables is a constant.
  const rule = ({ call: kind, name: given, params, payload }: Rule, policy: string) => {
    const name = given ?? '{{event}}'
    const sources = params ?? {}
    const readers = Object.keys(sources)
      .filter((key) => sources[key] !== null)
      .map((key) => `[${json(key)},${source(sources[key] as ParamSource, policy)}]`)
    const reader = splitTemplate(name).length === 1 ? call('constantReader', json(name)) : call('templateReader', json(name), policy)
    return `{${kind ? `call:${json(kind)},` : ''}name:${reader},params:[${readers}],payload:${payload === true}}`
  }
  const calls = (found: CallsSource, policy: string) => (typeof found === 'string' ? `{reason:${json(found)}}` : `[${found.map((r) => rule(r, policy))}]`)
  const table = ({ rules, fallback }: TableSource, policy: string) =>
    `{rules:new Map([${rules.map(([key, found]) => `[${json(key)},${calls(found, policy)}]`)}]),fallback:${calls(fallback, policy)}}`

  const { eventId, destinations, ...settings } = plan
  const policies = destinations.map((d, i) => `p${i}={personal:${json(d.personal)},hash:hash}`)
  const runnable = destinations.map(({ name, personal: _personal, sections, ...rest }, i) => {
    const tables = Object.entries(sections).map(([key, found]) => `${key}:${table(found, `p${i}`)}`)
    return `{${[...fields(rest), `adapter:${adapter(name)}`, `policy:p${i}`, `sections:{${tables}}`]}}`
  })
  const body = [...fields(settings), `eventId:${call('eventIdReader', json(eventId), 'hash')}`, `destinations:[${runnable}]`]
  return `function(hash){${policies.length ? `var ${policies};` : ''}return{${body}}}`
}
