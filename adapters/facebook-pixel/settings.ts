import * as v from 'valibot'
import type { SettingsSchemas } from '../../src/adapter'
import { describe } from '../../src/lib/describe'
import type { FacebookPixelSettings } from './index'

/** What the config schema checks; the page never loads it. */
export const facebookPixelSettings: SettingsSchemas<FacebookPixelSettings> = {
  pixelId: describe(v.pipe(v.string(), v.regex(/^\d{5,20}$/, 'must be the digits of a Meta Pixel id')), 'Meta Pixel id'),
  advancedMatching: describe(v.boolean('must be true or false'), "Send a captured lead's contact details, hashed, as advanced matching"),
}
