import type { SettingSpecs } from '../../src/adapter'
import type { DataLayerSettings } from './index'

/** Its settings, checked by the config schema (the CLI) and by shape in the page (src/config/page-check.ts). */
export const dataLayerSettings: SettingSpecs<DataLayerSettings> = {
  name: { type: 'string', pattern: /^[A-Za-z_$][\w$]*$/, message: 'must be a JavaScript variable name', description: 'Name of the dataLayer variable' },
}
