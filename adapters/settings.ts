/**
 * The built-in destinations' settings, by destination name: the config schema (the CLI, the
 * relay, `validateConfig`) and the drop-ins' check read them; a compiled tag carries none.
 */
import type { SettingSpecs } from '../src/adapter'
import { dataLayerSettings } from './datalayer/settings'
import { facebookPixelSettings } from './facebook-pixel/settings'
import { ga4Settings } from './ga4/settings'
import { segmentSettings } from './segment/settings'

export const builtInSettings: Record<string, SettingSpecs<any>> = {
  facebookPixel: facebookPixelSettings,
  ga4: ga4Settings,
  segment: segmentSettings,
  dataLayer: dataLayerSettings,
}
