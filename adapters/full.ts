/** The same destinations, able to load their vendor when the page has none. */
import { dataLayer, facebookPixel, ga4, segment } from './index'
import { loadFacebookPixel } from './facebook-pixel/load'
import { loadGa4 } from './ga4/load'
import { loadSegment } from './segment/load'

export const facebookPixelFull = { ...facebookPixel, load: loadFacebookPixel }
export const ga4Full = { ...ga4, load: loadGa4 }
export const segmentFull = { ...segment, load: loadSegment }

export const fullAdapters = [facebookPixelFull, ga4Full, segmentFull, dataLayer] as const
