import type { SettingSpecs } from '../../src/adapter'
import type { FacebookPixelSettings } from './index'

/** Its settings, checked by the config schema (the CLI) and by shape in the page (src/config/page-check.ts). */
export const facebookPixelSettings: SettingSpecs<FacebookPixelSettings> = {
  pixelId: { type: 'string', pattern: /^\d{5,20}$/, message: 'must be the digits of a Meta Pixel id', description: 'Meta Pixel id' },
  advancedMatching: { type: 'boolean', description: "Send a captured lead's contact details, hashed, as advanced matching" },
}
