import type { PageField, ParamSource } from '../adapter'
import type { PopinEvent } from '../events/intake'
import { getPath } from '../lib/get-path'
import { hasOwn } from '../lib/has-own'
import { isPlainObject } from '../lib/is-plain-object'
import type { JsonObject, JsonValue } from '../lib/json'
import { splitTemplate } from '../lib/template'
import { withoutQuery } from '../lib/without-query'
import { applyPolicy, fieldClass, type Hash, type PersonalPolicy, type SourceClass } from '../privacy/policy'
import type { PageContext } from './page'

/** What a reader reads from: one event occurrence, on one page. */
export interface Occurrence {
  event: PopinEvent
  page: PageContext
  /** The occurrence's unique part (`{{occurrence}}`). */
  id: string
  /** When the trace is read: the payload fields the privacy policy kept out, added as readers run. */
  dropped?: string[]
}

/** Reads one value for one occurrence, with the destination's privacy policy already applied. */
export type Reader = (occurrence: Occurrence) => JsonValue | undefined

/** How a destination lets personal data out, and the SHA-256 it hashes with. */
export interface Policy {
  personal: PersonalPolicy
  hash: Hash
}

/** The policy's verdict on one field; a field it keeps out is named in the occurrence's `dropped`. */
function judge(o: Occurrence, field: string, value: JsonValue, cls: SourceClass, policy: Policy): JsonValue | undefined {
  const out = applyPolicy(value, cls, policy.personal, policy.hash)
  if (out === undefined) o.dropped?.push(field)
  return out
}

/** A page field's class: the address ones are URLs, the others text the shop wrote. */
export const pageFieldClass = (field: string): SourceClass => (field === 'url' || field === 'referrer' ? 'url' : 'label')

function pageField(field: PageField): { read: (o: Occurrence) => JsonValue | undefined; cls: SourceClass } {
  if (pageFieldClass(field) === 'url') return { read: (o) => withoutQuery(o.page[field]) || undefined, cls: 'url' }
  return { read: (o) => o.page[field], cls: 'label' }
}

const PAGE_FIELDS: readonly string[] = ['url', 'path', 'title', 'referrer', 'host']
const nothing = () => undefined

/**
 * A template variable: its value for an occurrence and its class for the policy. A compiled tag
 * keeps the kinds its plan's templates use (src/tag/needs.ts).
 */
function variable(name: string): { read: (o: Occurrence) => JsonValue | undefined; cls: SourceClass } {
  if (name === 'event') return { read: (o) => o.event.name, cls: 'event' }
  if ((typeof __TAG_READERS__ === 'undefined' || __TAG_READERS__.screen) && name === 'screen') return { read: (o) => o.event.screen, cls: 'screen' }
  // Made by the bridge (or the relay), never by the page.
  if (name === 'occurrence') return { read: (o) => o.id, cls: 'generated' }
  if ((typeof __TAG_READERS__ === 'undefined' || __TAG_READERS__.pageVariable) && name.startsWith('page.')) {
    const field = name.slice(5)
    return PAGE_FIELDS.includes(field) ? pageField(field as PageField) : { read: nothing, cls: 'personal' }
  }
  if (typeof __TAG_READERS__ !== 'undefined' && !__TAG_READERS__.dataVariable) return { read: nothing, cls: 'personal' }
  return { read: (o) => getPath(o.event.data, name), cls: fieldClass(name) }
}

/**
 * A template as a function of the occurrence. Each variable's value is judged by the policy;
 * one that may not go out renders empty (in text, a personal value is never hashed: it is left
 * out unless the policy sends it). Undefined when every variable was empty. A compiled tag gives
 * it split already (`splitTemplate`, at build time): no regular expression to compile and run while
 * the page loads.
 */
export function templateReader(template: string | string[], policy: Policy, eventClass: SourceClass = 'event'): (o: Occurrence) => string | undefined {
  const parts = typeof template === 'string' ? splitTemplate(template) : template
  if (parts.length === 1) return () => parts[0] as string
  const variables = parts.map((part, i) => {
    if (i % 2 === 0) return undefined
    const found = variable(part)
    return part === 'event' ? { ...found, cls: eventClass } : found
  })
  const letOut = policy.personal === 'send' ? policy : { ...policy, personal: 'omit' as const }
  return (o) => {
    let text = parts[0] as string
    let filled = false
    for (let i = 1; i < parts.length; i += 2) {
      const { read, cls } = variables[i] as ReturnType<typeof variable>
      const raw = read(o)
      const value = raw === undefined || raw === '' || (raw !== null && typeof raw === 'object') ? undefined : judge(o, parts[i] as string, raw, cls, letOut)
      if (value !== undefined && value !== null) {
        text += String(value)
        filled = true
      }
      text += parts[i + 1] as string
    }
    return filled ? text : undefined
  }
}

/**
 * A param source by its kind: a constant, `@path`, `@template`, `@page`, or an object of sources
 * (its children matched first). The one place that tells them apart: the readers here, the
 * compiled tag's code (src/tag/plan-code.ts) and its needs (src/tag/needs.ts) all go through it.
 */
export interface SourceCases<T> {
  constant(value: JsonValue): T
  path(path: string): T
  template(template: string): T
  page(field: PageField): T
  object(children: [key: string, child: T][]): T
}

export function matchSource<T>(source: ParamSource, cases: SourceCases<T>): T {
  if (!isPlainObject(source)) return cases.constant(source as JsonValue)
  if ('@path' in source) return cases.path(String(source['@path']))
  if ('@template' in source) return cases.template(String(source['@template']))
  if ('@page' in source) return cases.page(source['@page'] as PageField)
  return cases.object(Object.keys(source).map((key) => [key, matchSource((source as Record<string, ParamSource>)[key] as ParamSource, cases)]))
}

/** A param source as a reader, compiled once. A compiled tag has its readers built at build time (src/tag/plan-code.ts). */
export function sourceReader(source: ParamSource, policy: Policy): Reader {
  return matchSource<Reader>(source, {
    constant: constantReader,
    path: (path) => pathReader(path, fieldClass(path), policy),
    template: (template) => templateReader(template, policy),
    page: (field) => pageReader(field, policy),
    object: objectReader,
  })
}

export const constantReader =
  (value: JsonValue): Reader =>
  () =>
    value

/** `@path`: a payload field, judged as its class (`fieldClass(path)`). */
export function pathReader(path: string, cls: SourceClass, policy: Policy): Reader {
  return (o) => {
    const raw = getPath(o.event.data, path)
    const value = cls === 'url' && typeof raw === 'string' ? withoutQuery(raw) : raw
    return value === undefined ? undefined : judge(o, path, value, cls, policy)
  }
}

/** `@page`: a field of the page the widget sits on. */
export function pageReader(field: PageField, policy: Policy): Reader {
  const { read, cls } = pageField(field)
  return (o) => {
    const value = read(o)
    return value === undefined ? undefined : applyPolicy(value, cls, policy.personal, policy.hash)
  }
}

/** A nested object of sources: the keys whose readers gave something, or undefined. */
export function objectReader(children: [key: string, read: Reader][]): Reader {
  return (o) => {
    const value: JsonObject = {}
    let any = false
    for (const [key, read] of children) {
      const child = read(o)
      if (child === undefined) continue
      value[key] = child
      any = true
    }
    return any ? value : undefined
  }
}

/** Payload keys forwarded under their own name must read as names, not as data. */
const FORWARDABLE_KEY = /^(?![^]*\d{6})[A-Za-z][A-Za-z0-9_]{0,39}$/

/** `payload: true`: every payload field not named in params, each judged by the policy. */
export function forwardPayload(into: JsonObject, o: Occurrence, policy: Policy): void {
  const { data } = o.event
  for (const key of Object.keys(data)) {
    if (hasOwn(into, key)) continue
    // Such a key may itself be data: it is not repeated, even in the trace.
    if (policy.personal !== 'send' && !FORWARDABLE_KEY.test(key)) continue
    const value = judge(o, key, data[key] as JsonValue, fieldClass(key), policy)
    if (value !== undefined) into[key] = value
  }
}
