import { isPersonalPath } from '../events/personal'
import { isPlainObject } from '../lib/is-plain-object'
import type { JsonObject, JsonValue } from '../lib/json'
import { getPath } from '../lib/get-path'
import { renderTemplate, templateVariables } from '../lib/template'
import { lookupVariable, type PageContext } from './context'
import type { PageField, ParamSource, PopinEvent } from './types'

interface Resolved {
  value: JsonValue | undefined
  /** True when the value was taken from a personal payload field. */
  personal: boolean
}

/** Resolves a rule's `params` against one event; missing sources leave their param out. */
export function resolveParams(
  params: Record<string, ParamSource | null> | undefined,
  event: PopinEvent,
  page: PageContext,
): { params: JsonObject; personal: string[] } {
  const out: JsonObject = {}
  const personal: string[] = []
  for (const [key, source] of Object.entries(params ?? {})) {
    if (source === null) continue
    const resolved = resolveSource(source, event, page)
    if (resolved.value === undefined) continue
    out[key] = resolved.value
    if (resolved.personal) personal.push(key)
  }
  return { params: out, personal }
}

function resolveSource(source: ParamSource, event: PopinEvent, page: PageContext): Resolved {
  if (!isPlainObject(source)) return { value: source, personal: false }
  if ('@path' in source) {
    const path = String(source['@path'])
    return { value: getPath(event.data, path), personal: isPersonalPath(path) }
  }
  if ('@template' in source) {
    const template = String(source['@template'])
    const { text } = renderTemplate(template, (variable) => lookupVariable(event, page, variable))
    return {
      value: text === '' ? undefined : text,
      personal: templateVariables(template).some(isPersonalPath),
    }
  }
  if ('@page' in source) return { value: page[source['@page'] as PageField], personal: false }
  return resolveObject(source as Record<string, ParamSource>, event, page)
}

function resolveObject(source: Record<string, ParamSource>, event: PopinEvent, page: PageContext): Resolved {
  const value: JsonObject = {}
  let personal = false
  for (const [key, child] of Object.entries(source)) {
    const resolved = resolveSource(child, event, page)
    if (resolved.value === undefined) continue
    value[key] = resolved.value
    personal ||= resolved.personal
  }
  return { value: Object.keys(value).length ? value : undefined, personal }
}
