import * as v from 'valibot'

/** Defined as true by the browser bundles' build (rollup.config.mjs). */
declare const __BROWSER__: boolean | undefined

/** A schema with a description for editors (the JSON Schema); browser bundles leave the text out. */
export function describe<S extends v.GenericSchema>(schema: S, description: string): S {
  if (typeof __BROWSER__ !== 'undefined' && __BROWSER__) return schema
  return v.pipe(schema, v.description(description)) as unknown as S
}
