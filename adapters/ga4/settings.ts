import * as v from 'valibot'
import type { SettingsSchemas } from '../../src/adapter'
import { describe } from '../../src/lib/describe'
import type { Ga4Settings } from './index'

/** What the config schema checks; the page never loads it. */
export const ga4Settings: SettingsSchemas<Ga4Settings> = {
  measurementId: describe(v.pipe(v.string(), v.regex(/^G-[A-Z0-9]{4,16}$/, 'must look like "G-XXXXXXX"')), 'GA4 measurement id'),
  gtagUrl: describe(v.pipe(v.string(), v.regex(/^(https?:)?\/\/\S+$/, 'must be an http(s) URL')), 'URL the full bundle loads gtag.js from'),
  nonce: describe(v.pipe(v.string(), v.minLength(1, 'must be a non-empty string')), 'CSP nonce for the gtag.js script'),
}
