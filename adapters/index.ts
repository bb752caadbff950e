/**
 * The destinations, forwarding to vendors already on the page. A new destination is a new
 * folder beside these and one line here (and in `full.ts` if it can load its vendor).
 */
import { dataLayer } from './datalayer/index'
import { facebookPixel } from './facebook-pixel/index'
import { ga4 } from './ga4/index'
import { segment } from './segment/index'

export { dataLayer, facebookPixel, ga4, segment }

export const pageAdapters = [facebookPixel, ga4, segment, dataLayer] as const
