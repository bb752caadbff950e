/**
 * The built-in destinations' settings, as schemas, by destination name: only the config schema
 * (the CLI, the relay, `validateConfig`) loads them, so no page carries a validator.
 */
import type { SettingsSchemas } from '../src/adapter'
import { dataLayerSettings } from './datalayer/settings'
import { facebookPixelSettings } from './facebook-pixel/settings'
import { ga4Settings } from './ga4/settings'
import { segmentSettings } from './segment/settings'

export const builtInSettings: Record<string, SettingsSchemas<any>> = {
  facebookPixel: facebookPixelSettings,
  ga4: ga4Settings,
  segment: segmentSettings,
  dataLayer: dataLayerSettings,
}
