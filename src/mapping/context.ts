import { getPath } from '../lib/get-path'
import type { PageField, PopinEvent } from './types'

export type PageContext = Record<PageField, string | undefined>

/**
 * What rules can read besides the payload: the page the widget sits on, read when a rule asks
 * (most never do), so a single-page app's current URL is always the one used.
 */
export function readPageContext(win: { location?: Location; document?: Document } | undefined): PageContext {
  return {
    get url() {
      return win?.location?.href
    },
    get path() {
      return win?.location?.pathname
    },
    get host() {
      return win?.location?.host
    },
    get title() {
      return win?.document?.title
    },
    get referrer() {
      return win?.document?.referrer
    },
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
