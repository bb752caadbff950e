import * as v from 'valibot'

const anArray = v.custom<never>(() => false, 'must be an object, not an array')

/** valibot takes an array for an object; JSON Schema's `"type": "object"` does not, and neither do we. */
export function noArray<S extends v.GenericSchema>(schema: S): S {
  return v.lazy((input) => (Array.isArray(input) ? anArray : schema)) as unknown as S
}
