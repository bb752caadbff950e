import type { ParamSource, Rule } from '../adapter'
import { DEFAULT_EVENT_ID, PAGE_FIELDS } from '../config/defaults'
import { isPlainObject } from '../lib/is-plain-object'
import { TAG_READERS, TAG_SHAPES, type TagReader, type TagShape } from '../lib/tag-features'
import { splitTemplate } from '../lib/template'
import type { DestinationSource, PlanSource } from '../plan/plan'
import { pageFieldClass } from '../plan/readers'
import { fieldClass, type SourceClass } from '../privacy/policy'


/** Every rule of a destination's plan, in every section. */
export function destinationRules(destination: DestinationSource): Rule[] {
  return Object.values(destination.sections).flatMap(({ rules, fallback }) => [...rules.map(([, found]) => found), fallback].flatMap((calls) => (typeof calls === 'string' ? [] : calls)))
}

/** What the page code of one compiled tag must be able to do: the rest is left out of it. */
export interface TagNeeds {
  shapes: Record<TagShape, boolean>
  readers: Record<TagReader, boolean>
  /** The catalog's fields the plan reads by name; undefined: any field (a rule forwards the payload). */
  fields?: [string, string][]
}

/**
 * Walks a tag's plan as the readers will (src/plan/instantiate.ts, src/plan/readers.ts): which
 * reader kinds its rules build, which payload fields they read, which shapes the policy may be
 * asked about. A rule with `payload: true` reads fields nobody can name beforehand: all of them.
 */
export function tagNeeds(plan: PlanSource): TagNeeds {
  // Every occurrence's visitor and URL are checked (src/plan/run.ts).
  const shapes = new Set<string>(['id', 'url'])
  const readers = new Set<TagReader>()
  const fields = new Map<string, string>()
  let anyField = false

  const judged = (cls: SourceClass) => cls !== 'personal' && cls !== 'generated' && shapes.add(cls ?? 'unknown')
  const field = (path: string) => {
    const cls = fieldClass(path)
    if (cls) fields.set(path.split('.')[0] as string, cls)
    judged(cls)
  }
  const template = (text: string, eventClass: SourceClass) =>
    splitTemplate(text).forEach((name, i) => {
      if (i % 2 === 0 || name === 'occurrence') return
      if (name === 'event') return judged(eventClass)
      if (name === 'screen') return readers.add('screen') && judged('screen')
      if (!name.startsWith('page.')) return readers.add('dataVariable') && field(name)
      readers.add('pageVariable')
      const page = name.slice(5)
      if ((PAGE_FIELDS as readonly string[]).includes(page)) judged(pageFieldClass(page))
    })
  const source = (value: ParamSource): void => {
    if (!isPlainObject(value)) return
    if ('@path' in value) return void (readers.add('path') && field(String(value['@path'])))
    if ('@template' in value) return void (readers.add('template') && template(String(value['@template']), 'event'))
    if ('@page' in value) return void (readers.add('page') && judged(pageFieldClass(String(value['@page']))))
    readers.add('nested')
    for (const key of Object.keys(value)) source((value as Record<string, ParamSource>)[key] as ParamSource)
  }
  const rule = (r: Rule) => {
    template(r.name ?? '{{event}}', 'event')
    for (const key of Object.keys(r.params ?? {})) if (r.params?.[key] !== null) source(r.params?.[key] as ParamSource)
    if (r.payload === true) anyField = true
  }

  // The id template, or the default a config without `{{occurrence}}` gets.
  for (const eventId of [plan.eventId, DEFAULT_EVENT_ID]) template(eventId, 'known-event')
  for (const destination of plan.destinations) destinationRules(destination).forEach(rule)
  if (anyField) readers.add('payload')
  const all = <K extends string>(names: readonly K[], has: (name: K) => boolean) => Object.fromEntries(names.map((name) => [name, has(name)])) as Record<K, boolean>
  return {
    shapes: all(TAG_SHAPES, (name) => anyField || shapes.has(name)),
    readers: all(TAG_READERS, (name) => readers.has(name)),
    ...(anyField ? {} : { fields: [...fields] }),
  }
}
