import { getPath } from '../lib/get-path'
import type { PageField, PopinEvent } from './types'

export type PageContext = Record<PageField, string | undefined>

/** What rules can read besides the payload: the page the widget sits on. */
export function readPageContext(win: { location?: Location; document?: Document } | undefined): PageContext {
  const location = win?.location
  return {
    url: location?.href,
    path: location?.pathname,
    host: location?.host,
    title: win?.document?.title,
    referrer: win?.document?.referrer,
  }
}

/**
 * The value of a template variable: `event`, `screen`, `seq`, `page.<field>`, or a payload path.
 * `extra` adds per-call variables such as the destination's event `name`.
 */
export function lookupVariable(
  event: PopinEvent,
  page: PageContext,
  variable: string,
  extra?: Record<string, string>,
): unknown {
  if (extra && variable in extra) return extra[variable]
  if (variable === 'event') return event.name
  if (variable === 'screen') return event.screen
  if (variable === 'seq') return event.seq
  if (variable.startsWith('page.')) return page[variable.slice(5) as PageField]
  return getPath(event.data, variable)
}
