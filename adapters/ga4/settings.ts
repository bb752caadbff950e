import type { SettingSpecs } from '../../src/adapter'
import type { Ga4Settings } from './index'

/** Its settings, checked by the config schema (the CLI) and by shape in the page (src/config/page-check.ts). */
export const ga4Settings: SettingSpecs<Ga4Settings> = {
  measurementId: { type: 'string', pattern: /^G-[A-Z0-9]{4,16}$/, message: 'must look like "G-XXXXXXX"', description: 'GA4 measurement id' },
  gtagUrl: { type: 'string', pattern: /^(https?:)?\/\/\S+$/, message: 'must be an http(s) URL', description: 'URL the full bundle loads gtag.js from' },
  nonce: { type: 'string', pattern: /^[\s\S]+$/, message: 'must be a non-empty string', description: 'CSP nonce for the gtag.js script' },
}
