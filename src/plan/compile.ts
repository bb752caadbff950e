import * as v from 'valibot'
import type { Adapter, ConsentContext, Rule, RuleSet } from '../adapter'
import type { ConsentCategory } from '../consent/state'
import { problemsOf, prototypeKeyProblems, type Problem } from '../config/problems'
import { configSchema, DEFAULTS } from '../config/schema'
import { canonicalEventName } from '../events/catalog'
import { hasOwn } from '../lib/has-own'
import { isPlainObject } from '../lib/is-plain-object'
import { nestedDeeperThan } from '../lib/nested-deeper-than'
import { mergePatch } from '../lib/merge-patch'
import type { Hash } from '../privacy/policy'
import { sourceReader, templateReader, type Occurrence, type Policy, type Reader } from './readers'

/** One call a rule makes, compiled: every name, reader and check resolved once. */
export interface CallPlan {
  /** As the rule says; else the adapter's default for the rendered name. */
  call?: string
  name: (o: Occurrence) => string | undefined
  params: [key: string, read: Reader][]
  payload: boolean
}

/** Why a destination gets nothing for an event, compiled once, for debug mode. */
export interface NoCall {
  reason: string
}

/** A section's rules by key (own keys only: a Map), and its `"*"` rule. */
export interface RuleTable {
  rules: Map<string, CallPlan[] | NoCall>
  fallback: CallPlan[] | NoCall
}

export type Section = 'events' | 'screens' | 'webhooks'

export interface DestinationPlan {
  adapter: Adapter
  settings: Record<string, unknown>
  /** Named in the user's config, rather than only in the preset: its silence deserves a warning. */
  explicit: boolean
  category: ConsentCategory
  policy: Policy
  /** Whether its calls carry Meta's hashed match keys. */
  matchKeys: boolean
  sections: Record<Section, RuleTable>
}

export interface Plan {
  debug: boolean
  /** Renders an occurrence's id; the same for every destination. */
  eventId: (o: Occurrence) => string
  readyTimeoutMs: number
  queueLimit: number
  consent: Omit<ConsentContext, 'state'>
  destinations: DestinationPlan[]
  /** Destinations switched off because their section has problems. */
  disabled: string[]
  /** The base URL of the relay's first-party route (no trailing slash: the schema says so). */
  relayUrl?: string
}

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
  const problems = checkConfig(input, adapters, relay)
  // A config that cannot be read as a whole may have asked for consent, or for nothing: nothing runs.
  const unreadable = problems.some((p) => p.path === 'config')
  const user = isPlainObject(input) && !unreadable ? withoutProblems(input, problems) : {}
  const written = isPlainObject(user.destinations) ? user.destinations : {}
  const consent = (isPlainObject(user.consent) ? user.consent : {}) as { required?: boolean; follow?: 'tcf' | 'google'; categories?: Record<string, ConsentCategory> }
  const disabled = adapters.map((a) => a.name).filter((name) => problems.some((p) => p.path === `destinations.${name}` || p.path.startsWith(`destinations.${name}.`)))

  const destinations: DestinationPlan[] = []
  for (const adapter of unreadable ? [] : adapters) {
    if (disabled.includes(adapter.name)) continue
    const own = hasOwn(written, adapter.name)
    const preset = user.extends === 'none' ? undefined : presetSection(adapter)
    const section = mergePatch(preset, own ? foldAliases(written[adapter.name]) : undefined)
    if (!isPlainObject(section) || section.enabled === false) continue
    const settings = section as Record<string, unknown>
    const personal = adapter.personalData === 'never' ? 'omit' : ((settings.personalData as Policy['personal'] | undefined) ?? 'send')
    const policy: Policy = { personal, hash }
    const table = (key: Section) => compileTable(key, settings[key], adapter.preset[key] ?? {}, policy)
    destinations.push({
      adapter,
      settings,
      explicit: own,
      category: consent.categories?.[adapter.name] ?? adapter.consentCategory,
      policy,
      matchKeys: adapter.matchKeys?.(settings as never, side) ?? false,
      sections: { events: table('events'), screens: table('screens'), webhooks: table('webhooks') },
    })
  }

  // Ids reach every destination: the event's name goes in only when the catalog lists it.
  const eventId = templateReader(typeof user.eventId === 'string' ? user.eventId : DEFAULTS.eventId, { personal: 'omit', hash }, 'known-event')
  return {
    plan: {
      debug: user.debug === true,
      // A name left out leaves no stray separator behind.
      eventId: (o) => (eventId(o) ?? o.id).replace(/^[._:-]+|[._:-]+$/g, '').replace(/([._:-])[._:-]+/g, '$1'),
      readyTimeoutMs: typeof user.readyTimeoutMs === 'number' ? user.readyTimeoutMs : DEFAULTS.readyTimeoutMs,
      queueLimit: typeof user.queueLimit === 'number' ? user.queueLimit : DEFAULTS.queueLimit,
      consent: { required: consent.required === true, ...(consent.follow ? { follow: consent.follow } : {}) },
      destinations,
      disabled,
      relayUrl: user.relayUrl as string | undefined,
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

function compileTable(section: Section, rules: unknown, preset: Record<string, RuleSet>, policy: Policy): RuleTable {
  const table = (isPlainObject(rules) ? rules : {}) as Record<string, RuleSet>
  const compileKey = (key: string, own: boolean): CallPlan[] | NoCall => {
    const ruleSet = table[key]
    if (ruleSet === false) return { reason: `${section}.${key} is false` }
    if (ruleSet === null || ruleSet === undefined) return { reason: `no rule at ${section}.${key}` }
    const presetRule = own && hasOwn(preset, key) ? preset[key] : preset['*']
    return expand(ruleSet, presetRule).map((rule) => compileRule(rule, policy))
  }
  const compiled = new Map<string, CallPlan[] | NoCall>()
  for (const key of Object.keys(table)) if (key !== '*') compiled.set(key, compileKey(key, true))
  return { rules: compiled, fallback: compileKey('*', false) }
}

/** `true` means the preset's rule for that key (else its `"*"` rule), or a plain forward. */
function expand(ruleSet: RuleSet, presetRule: RuleSet | undefined): Rule[] {
  if (ruleSet === true) return presetRule !== undefined && presetRule !== null && typeof presetRule !== 'boolean' ? expand(presetRule, undefined) : FORWARD
  if (ruleSet === false || ruleSet === null) return []
  return Array.isArray(ruleSet) ? ruleSet : [ruleSet]
}

function compileRule(rule: Rule, policy: Policy): CallPlan {
  return {
    ...(rule.call ? { call: rule.call } : {}),
    name: templateReader(rule.name ?? '{{event}}', policy),
    params: Object.keys(rule.params ?? {})
      .filter((key) => rule.params?.[key] !== null)
      .map((key) => [key, sourceReader(rule.params?.[key] as never, policy)]),
    payload: rule.payload === true,
  }
}
