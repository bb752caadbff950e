import type { PageField } from '../adapter'

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

/** No page: the relay. */
export const NO_PAGE: PageContext = { url: undefined, path: undefined, host: undefined, title: undefined, referrer: undefined }
