/**
 * What the config side needs of each built-in destination, by name: its settings (checked by the
 * config schema, the CLI and the drop-ins' shape check) and its part of the \`popin-default\`
 * preset (merged by \`resolve\`). A compiled tag carries neither: its plan is already resolved.
 */
import type { Adapter, NameRules, Preset, SettingSpecs } from '../src/adapter'
import { hasOwn } from '../src/lib/has-own'
import { preset as dataLayerPreset } from './datalayer/preset'
import { dataLayerSettings } from './datalayer/settings'
import { preset as facebookPixelPreset } from './facebook-pixel/preset'
import { facebookPixelNames, facebookPixelSettings } from './facebook-pixel/settings'
import { preset as ga4Preset } from './ga4/preset'
import { ga4Names, ga4Settings } from './ga4/settings'
import { preset as segmentPreset } from './segment/preset'
import { segmentSettings } from './segment/settings'

export interface DestinationConfig {
  settings: SettingSpecs<any>
  preset: Preset
  /** The vendor's rules for names, which the schema checks. */
  names?: NameRules
}

export const builtInConfig: Record<string, DestinationConfig> = {
  facebookPixel: { settings: facebookPixelSettings, preset: facebookPixelPreset, names: facebookPixelNames },
  ga4: { settings: ga4Settings, preset: ga4Preset, names: ga4Names },
  segment: { settings: segmentSettings, preset: segmentPreset },
  dataLayer: { settings: dataLayerSettings, preset: dataLayerPreset },
}

const NO_PRESET: Preset = { events: {}, screens: {} }

/** A destination's settings: its own (a custom adapter's), else the built-in ones. */
export const settingsOf = (adapter: Adapter): SettingSpecs<any> => adapter.settings ?? (hasOwn(builtInConfig, adapter.name) ? builtInConfig[adapter.name]!.settings : {})

/** A destination's preset: its own (a custom adapter's, the relay's with webhooks), else the built-in one. */
export const presetOf = (adapter: Adapter): Preset => adapter.preset ?? (hasOwn(builtInConfig, adapter.name) ? builtInConfig[adapter.name]!.preset : NO_PRESET)

/** A destination's naming rules: its own (a custom adapter's), else the built-in ones. */
export const namesOf = (adapter: Adapter): NameRules => adapter.names ?? (hasOwn(builtInConfig, adapter.name) ? (builtInConfig[adapter.name]!.names ?? {}) : {})
