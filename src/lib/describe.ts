import * as v from 'valibot'

import { IN_BROWSER_BUNDLE } from './browser-bundle'

/** A schema with a description for editors (the JSON Schema); browser bundles leave the text out. */
export function describe<S extends v.GenericSchema>(schema: S, description: string): S {
  if (IN_BROWSER_BUNDLE) return schema
  return v.pipe(schema, v.description(description)) as unknown as S
}
