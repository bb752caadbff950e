import * as v from 'valibot'
import type { SettingsSchemas } from '../../src/adapter'
import { describe } from '../../src/lib/describe'
import type { DataLayerSettings } from './index'

/** What the config schema checks; the page never loads it. */
export const dataLayerSettings: SettingsSchemas<DataLayerSettings> = {
  name: describe(v.pipe(v.string(), v.regex(/^[A-Za-z_$][\w$]*$/, 'must be a JavaScript variable name')), 'Name of the dataLayer variable'),
}
