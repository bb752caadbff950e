import type { ParamSource, Rule } from '../adapter'
import { DEFAULT_EVENT_ID, PAGE_FIELDS } from '../config/defaults'
import { TAG_READERS, TAG_SHAPES, type TagReader, type TagShape } from '../lib/tag-features'
import { splitTemplate } from '../lib/template'
import type { DestinationSource, PlanSource } from '../plan/plan'
import { matchSource, pageFieldClass } from '../plan/readers'
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
  /** Whether occurrences need ids: `carried` (see tagNeeds), or a rule reads `{{occurrence}}`. */
  ids: boolean
}

/**
 * Walks a tag's plan as its readers will run (src/plan/readers.ts): what its rules read besides
 * constants and paths, which payload fields its templates name, which shapes the policy may be
 * asked about. A rule with `payload: true` reads fields nobody can name beforehand: all of them.
 * `carried`: whether anything takes the occurrence's id without a rule naming it (a destination
 * whose calls carry it, the relay channel, debug mode). `context`: whether anything takes its
 * visitor and page URL (the relay channel, debug mode), which are then checked (src/plan/run.ts).
 */
export function tagNeeds(plan: PlanSource, carried: boolean, context = true): TagNeeds {
  const shapes = new Set<string>(context ? ['id', 'url'] : [])
  const readers = new Set<TagReader>()
  const fields = new Map<string, string>()
  let anyField = false
  let occurrence = false

  const judged = (cls: SourceClass) => {
    if (cls !== 'personal' && cls !== 'generated') shapes.add(cls ?? 'unknown')
  }
  // A template's variable: its class is looked up in the page.
  const variable = (path: string) => {
    const cls = fieldClass(path)
    if (cls) fields.set(path.split('.')[0] as string, cls)
    judged(cls)
  }
  // As `variable` in src/plan/readers.ts.
  const template = (text: string, eventClass: SourceClass) =>
    splitTemplate(text).forEach((name, i) => {
      if (i % 2 === 0) return
      if (name === 'occurrence') {
        occurrence = true
      } else if (name === 'event') {
        judged(eventClass)
      } else if (name === 'screen') {
        readers.add('screen')
        judged('screen')
      } else if (name.startsWith('page.')) {
        readers.add('pageVariable')
        if ((PAGE_FIELDS as readonly string[]).includes(name.slice(5))) judged(pageFieldClass(name.slice(5)))
      } else {
        readers.add('dataVariable')
        variable(name)
      }
    })
  // What each source's reader judges (src/plan/readers.ts); a path's class is looked up at build time (src/tag/plan-code.ts).
  const source = (value: ParamSource): void =>
    matchSource<void>(value, {
      constant: () => undefined,
      path: (path) => {
        judged(fieldClass(path))
      },
      template: (text) => template(text, 'event'),
      page: (field) => {
        readers.add('page')
        judged(pageFieldClass(field))
      },
      object: () => undefined,
    })
  const rule = (r: Rule) => {
    template(r.name ?? '{{event}}', 'event')
    for (const key of Object.keys(r.params ?? {})) if (r.params?.[key] !== null) source(r.params?.[key] as ParamSource)
    if (r.payload === true) anyField = true
  }

  for (const destination of plan.destinations) destinationRules(destination).forEach(rule)
  if (anyField) readers.add('payload')
  const ids = carried || occurrence
  // The id template, or the default a config without `{{occurrence}}` gets.
  if (ids) for (const eventId of [plan.eventId, DEFAULT_EVENT_ID]) template(eventId, 'known-event')
  const all = <K extends string>(names: readonly K[], has: (name: K) => boolean) => Object.fromEntries(names.map((name) => [name, has(name)])) as Record<K, boolean>
  return {
    shapes: all(TAG_SHAPES, (name) => anyField || shapes.has(name)),
    readers: all(TAG_READERS, (name) => readers.has(name)),
    ...(anyField ? {} : { fields: [...fields] }),
    ids,
  }
}
