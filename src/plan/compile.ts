import * as v from 'valibot'
import type { Adapter } from '../adapter'
import { problemsOf, prototypeKeyProblems, type Problem } from '../config/problems'
import { configSchema } from '../config/schema'
import { isPlainObject } from '../lib/is-plain-object'
import { CONFIG_LIMITS } from '../config/defaults'
import { beyondLimits } from '../lib/beyond-limits'
import type { Hash } from '../privacy/policy'
import { instantiate } from './instantiate'
import type { Plan } from './plan'
import { resolve } from './resolve'

export type { CallPlan, DestinationPlan, NoCall, Plan, RuleTable, Section } from './plan'
export { resolve } from './resolve'

export interface Compiled {
  plan: Plan
  /** Every problem in the config, with its JSON path. Empty when it is valid. */
  problems: Problem[]
}

export interface CompileOptions {
  adapters: readonly Adapter[]
  /** Browser adapters, or the relay's (with their webhook presets). */
  side: 'browser' | 'server'
  /** SHA-256 hex: WebCrypto placeholders in the page, node:crypto on the server. */
  hash: Hash
  /** The schema of the `relay` section, where it is checked (the CLI, the relay). */
  relay?: v.GenericSchema | null
}


const schemas = new WeakMap<readonly Adapter[], Map<unknown, v.GenericSchema>>()

/** The schema for a set of adapters, built once per set. */
export function schemaFor(adapters: readonly Adapter[], relay: v.GenericSchema | null = null): v.GenericSchema {
  let bySection = schemas.get(adapters)
  if (!bySection) schemas.set(adapters, (bySection = new Map()))
  let schema = bySection.get(relay)
  if (!schema) bySection.set(relay, (schema = configSchema(adapters, { relay }) as v.GenericSchema))
  return schema
}

/** Every problem in a config, with its JSON path: the schema's verdict, and keys no object may have. */
export function checkConfig(input: unknown, adapters: readonly Adapter[], relay: v.GenericSchema | null = null): Problem[] {
  if (input === undefined) return []
  if (!isPlainObject(input)) return [{ path: 'config', message: 'must be a JSON object' }]
  // Before anything recursive reads it: a config is a few levels deep, a hostile one may not be.
  const beyond = beyondLimits(input, CONFIG_LIMITS)
  if (beyond === 'depth') return [{ path: 'config', message: `nests deeper than ${CONFIG_LIMITS.depth} levels` }]
  if (beyond === 'values') return [{ path: 'config', message: `holds more than ${CONFIG_LIMITS.values} values` }]
  const problems = prototypeKeyProblems(input)
  const result = v.safeParse(schemaFor(adapters, relay), input)
  if (result.success) return problems
  return [...problems, ...problemsOf(result.issues).filter((problem) => !problems.some((p) => p.path === problem.path))]
}

/**
 * Compiles a config into the plan the page or the relay runs. Never throws: a problem outside
 * `destinations` falls back to the default for that key; a problem inside one destination
 * switches that destination off, the others run.
 */
export function compile(input: unknown, { adapters, side, hash, relay = null }: CompileOptions): Compiled {
  const problems = checkConfig(input, adapters, relay)
  return { plan: instantiate(resolve(input, problems, { adapters, side }), adapters, hash), problems }
}

