import { toJsonSchema as fromValibot } from '@valibot/to-json-schema'
import type * as v from 'valibot'
import { PROTOTYPE_KEYS } from '../lib/prototype-keys'

type Node = Record<string, unknown>

/** The JSON Schema (draft-07) of the config, generated from its valibot schema, for editors and ajv. */
export function toJsonSchema(schema: v.GenericSchema): Record<string, unknown> {
  const json = fromValibot(schema, { errorMode: 'throw' }) as Node
  forbidPrototypeKeys(json)
  return { ...json, title: 'popin-bridge config' }
}

/** `__proto__`, `constructor` and `prototype` are no key of any object (src/config/problems.ts). */
function forbidPrototypeKeys(node: unknown): void {
  if (Array.isArray(node)) return node.forEach(forbidPrototypeKeys)
  if (node === null || typeof node !== 'object') return
  const schema = node as Node
  if (schema.type === 'object') {
    const forbidden = { not: { enum: [...PROTOTYPE_KEYS] } }
    schema.propertyNames = schema.propertyNames ? { allOf: [schema.propertyNames, forbidden] } : forbidden
  }
  for (const value of Object.values(schema)) forbidPrototypeKeys(value)
}
