import type { NameRules, SettingSpecs } from '../../src/adapter'
import { CHAR } from '../../src/lib/char'
import type { FacebookPixelSettings } from './index'
import { CUSTOM_NAME_MAX } from './standard-events'

/** Its settings, checked by the config schema (the CLI) and by shape in the page (src/config/page-check.ts). */
export const facebookPixelSettings: SettingSpecs<FacebookPixelSettings> = {
  pixelId: { type: 'string', pattern: /^\d{5,20}$/, message: 'must be the digits of a Meta Pixel id', description: 'Meta Pixel id' },
  advancedMatching: { type: 'boolean', description: "Send a captured lead's contact details, hashed, as advanced matching" },
}

/** For the config schema: standard event names are shorter than that (the page cuts a longer custom name). */
export const facebookPixelNames: NameRules = {
  event: [[new RegExp(`^${CHAR}{1,${CUSTOM_NAME_MAX}}$`), `Facebook custom event names are at most ${CUSTOM_NAME_MAX} characters`]],
}
