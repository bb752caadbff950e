import * as v from 'valibot'
import type { Adapter, Rule, RuleSet } from '../adapter'
import type { ConsentCategory } from '../consent/state'
import { problemsOf, prototypeKeyProblems, type Problem } from '../config/problems'
import { configSchema, DEFAULTS } from '../config/schema'
import { canonicalEventName } from '../events/catalog'
import { hasOwn } from '../lib/has-own'
import { isPlainObject } from '../lib/is-plain-object'
import { nestedDeeperThan } from '../lib/nested-deeper-than'
import { mergePatch } from '../lib/merge-patch'
import type { Hash, PersonalPolicy } from '../privacy/policy'
import { instantiate } from './instantiate'
import type { CallsSource, DestinationSource, Plan, PlanSource, Section, TableSource } from './plan'

export type { CallPlan, DestinationPlan, NoCall, Plan, RuleTable, Section } from './plan'

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

/** A real config nests about ten levels (`destinations.segment.cdnSettings` a few more). */
export const MAX_CONFIG_DEPTH = 32

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
  if (nestedDeeperThan(input, MAX_CONFIG_DEPTH)) return [{ path: 'config', message: `nests deeper than ${MAX_CONFIG_DEPTH} levels` }]
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
  const { source, problems } = resolve(input, { adapters, side, relay })
  return { plan: instantiate(source, adapters, hash), problems }
}

/**
 * The first half of `compile`: the config checked and resolved into plain data (preset merged,
 * aliases folded, `true` expanded), which the compiled tag carries instead of the config.
 */
export function resolve(input: unknown, { adapters, side, relay = null }: Omit<CompileOptions, 'hash'>): { source: PlanSource; problems: Problem[] } {
  const problems = checkConfig(input, adapters, relay)
  // A config that cannot be read as a whole may have asked for consent, or for nothing: nothing runs.
  const unreadable = problems.some((p) => p.path === 'config')
  const user = isPlainObject(input) && !unreadable ? withoutProblems(input, problems) : {}
  const written = isPlainObject(user.destinations) ? user.destinations : {}
  const consent = (isPlainObject(user.consent) ? user.consent : {}) as { required?: boolean; follow?: 'tcf' | 'google'; categories?: Record<string, ConsentCategory> }
  const disabled = adapters.map((a) => a.name).filter((name) => problems.some((p) => p.path === `destinations.${name}` || p.path.startsWith(`destinations.${name}.`)))

  const destinations: DestinationSource[] = []
  for (const adapter of unreadable ? [] : adapters) {
    if (disabled.includes(adapter.name)) continue
    const own = hasOwn(written, adapter.name)
    const preset = user.extends === 'none' ? undefined : presetSection(adapter)
    const section = mergePatch(preset, own ? foldAliases(written[adapter.name]) : undefined)
    if (!isPlainObject(section) || section.enabled === false) continue
    const settings = section as Record<string, unknown>
    const table = (key: Section) => resolveTable(key, settings[key], adapter.preset[key] ?? {})
    destinations.push({
      name: adapter.name,
      settings,
      explicit: own,
      category: consent.categories?.[adapter.name] ?? adapter.consentCategory,
      personal: adapter.personalData === 'never' ? 'omit' : ((settings.personalData as PersonalPolicy | undefined) ?? 'send'),
      matchKeys: adapter.matchKeys?.(settings as never, side) ?? false,
      sections: { events: table('events'), screens: table('screens'), webhooks: table('webhooks') },
    })
  }
  return {
    source: {
      debug: user.debug === true,
      eventId: typeof user.eventId === 'string' ? user.eventId : DEFAULTS.eventId,
      readyTimeoutMs: typeof user.readyTimeoutMs === 'number' ? user.readyTimeoutMs : DEFAULTS.readyTimeoutMs,
      queueLimit: typeof user.queueLimit === 'number' ? user.queueLimit : DEFAULTS.queueLimit,
      consent: { required: consent.required === true, ...(consent.follow ? { follow: consent.follow } : {}) },
      destinations,
      disabled,
      ...(typeof user.relayUrl === 'string' ? { relayUrl: user.relayUrl } : {}),
    },
    problems,
  }
}

function presetSection(adapter: Adapter): Record<string, unknown> {
  const { events, screens, webhooks } = adapter.preset
  return webhooks ? { events, screens, webhooks } : { events, screens }
}

/**
 * The config without the values its problems are about: a global setting falls back to its
 * default (each key of `consent` on its own, so one typo cannot switch consent off), and a
 * destination with a problem is dropped by the caller.
 */
function withoutProblems(config: Record<string, unknown>, problems: Problem[]): Record<string, unknown> {
  const out: Record<string, unknown> = { ...config }
  for (const { path } of problems) {
    const [top, second] = path.split('.')
    if (top === 'destinations' || top === undefined) continue
    if (top === 'consent' && second !== undefined && isPlainObject(out.consent)) {
      const { [second]: _dropped, ...rest } = out.consent
      out.consent = rest
    } else delete out[top]
  }
  if (!isPlainObject(out.destinations)) delete out.destinations
  return out
}

/** Rules written for an alias (`popin_call_missed`) apply to the catalog name. */
function foldAliases(section: unknown): unknown {
  if (!isPlainObject(section) || !isPlainObject(section.events)) return section
  const events: Record<string, unknown> = Object.create(null)
  for (const key of Object.keys(section.events)) {
    const canonical = canonicalEventName(key)
    if (!(canonical in events) || canonical === key) events[canonical] = section.events[key]
  }
  return { ...section, events }
}

const FORWARD: Rule[] = [{ payload: true }]

function resolveTable(section: Section, rules: unknown, preset: Record<string, RuleSet>): TableSource {
  const table = (isPlainObject(rules) ? rules : {}) as Record<string, RuleSet>
  const resolveKey = (key: string, own: boolean): CallsSource => {
    const ruleSet = table[key]
    if (ruleSet === false) return `${section}.${key} is false`
    if (ruleSet === null || ruleSet === undefined) return `no rule at ${section}.${key}`
    const presetRule = own && hasOwn(preset, key) ? preset[key] : preset['*']
    return expand(ruleSet, presetRule)
  }
  const keys = Object.keys(table).filter((key) => key !== '*')
  return { rules: keys.map((key) => [key, resolveKey(key, true)]), fallback: resolveKey('*', false) }
}

/** `true` means the preset's rule for that key (else its `"*"` rule), or a plain forward. */
function expand(ruleSet: RuleSet, presetRule: RuleSet | undefined): Rule[] {
  if (ruleSet === true) return presetRule !== undefined && presetRule !== null && typeof presetRule !== 'boolean' ? expand(presetRule, undefined) : FORWARD
  if (ruleSet === false || ruleSet === null) return []
  return Array.isArray(ruleSet) ? ruleSet : [ruleSet]
}
