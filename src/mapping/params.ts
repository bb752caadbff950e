import { isPersonalPath } from '../events/personal'
import { getPath } from '../lib/get-path'
import { isPlainObject } from '../lib/is-plain-object'
import type { JsonObject, JsonValue } from '../lib/json'
import { renderTemplate, templateVariables } from '../lib/template'
import { lookupVariable, type PageContext } from './context'
import type { PageField, ParamSource, PopinEvent } from './types'

type Read = (event: PopinEvent, page: PageContext) => JsonValue | undefined

/** A param source turned into a reader once; whether it reads personal data is known up front. */
interface CompiledParam {
  key: string
  read: Read
  personal: boolean
}

// Rules are config objects that live as long as the bridge: compiled on first use, then reused.
const compiled = new WeakMap<object, CompiledParam[]>()

/** Resolves a rule's `params` against one event; missing sources leave their param out. */
export function resolveParams(
  params: Record<string, ParamSource | null> | undefined,
  event: PopinEvent,
  page: PageContext,
): { params: JsonObject; personal: string[] } {
  const out: JsonObject = {}
  const personal: string[] = []
  if (!params) return { params: out, personal }
  let readers = compiled.get(params)
  if (!readers) {
    readers = Object.entries(params)
      .filter((entry): entry is [string, ParamSource] => entry[1] !== null)
      .map(([key, source]) => ({ key, read: compileSource(source), personal: readsPersonal(source) }))
    compiled.set(params, readers)
  }
  for (const { key, read, personal: isPersonal } of readers) {
    const value = read(event, page)
    if (value === undefined) continue
    out[key] = value
    if (isPersonal) personal.push(key)
  }
  return { params: out, personal }
}

function compileSource(source: ParamSource): Read {
  if (!isPlainObject(source)) return () => source as JsonValue
  if ('@path' in source) {
    const path = String(source['@path'])
    return (event) => getPath(event.data, path)
  }
  if ('@template' in source) {
    const template = String(source['@template'])
    return (event, page) => renderTemplate(template, (variable) => lookupVariable(event, page, variable)).text || undefined
  }
  if ('@page' in source) {
    const field = source['@page'] as PageField
    return (_event, page) => page[field]
  }
  const children = Object.entries(source as Record<string, ParamSource>).map(([key, child]) => [key, compileSource(child)] as const)
  return (event, page) => {
    const value: JsonObject = {}
    let any = false
    for (const [key, read] of children) {
      const child = read(event, page)
      if (child === undefined) continue
      value[key] = child
      any = true
    }
    return any ? value : undefined
  }
}

/** Whether a source reads a personal payload field (directly, in a template, or nested). */
function readsPersonal(source: ParamSource): boolean {
  if (!isPlainObject(source)) return false
  if ('@path' in source) return isPersonalPath(String(source['@path']))
  if ('@template' in source) return templateVariables(String(source['@template'])).some(isPersonalPath)
  if ('@page' in source) return false
  return Object.values(source as Record<string, ParamSource>).some(readsPersonal)
}
