import type { Adapter, ConsentContext } from '../adapter'
import type { ConsentCategory, ConsentConfig } from '../consent/state'
import { EVENT_ALIASES } from '../events/catalog'
import { hasOwn } from '../lib/has-own'
import { isPlainObject } from '../lib/is-plain-object'
import { mergePatch } from '../lib/merge-patch'
import { DEFAULT_EVENT_ID } from './map-event'
import type { DestinationConfig, Problem } from './types'
import { validateDestination, validateGlobals } from './validate'

/** Settings outside `destinations`; see the README for each. */
export interface GlobalConfig {
  /** Link to the JSON Schema, for editors. Ignored by the bridge. */
  $schema?: string
  /** `popin-default` (default): start from the built-in preset. `none`: only what this config says. */
  extends?: 'popin-default' | 'none'
  /** Logs, per Popin event, what each destination received or why not. Also `?popin_bridge_debug` in the URL. */
  debug?: boolean
  /** Template of the deduplication id (Pixel eventID). Default `{{name}}.{{uid}}`. */
  eventId?: string
  /** How long events wait for a vendor before they are dropped. Default 10000. */
  readyTimeoutMs?: number
  /** How many events wait per destination at most. Default 100. */
  queueLimit?: number
  /** Consent gating and signals; off unless `required` is true or the page calls `consent()`. */
  consent?: ConsentConfig
}

export interface ActiveDestination {
  adapter: Adapter
  config: DestinationConfig
  /** Named in the user's config, rather than only in the preset: its silence deserves a warning. */
  explicit: boolean
  /** The consent category it needs. */
  category: ConsentCategory
}

export interface ResolvedConfig {
  debug: boolean
  eventId: string
  readyTimeoutMs: number
  queueLimit: number
  consent: Omit<ConsentContext, 'state'>
  destinations: ActiveDestination[]
  problems: Problem[]
  /** Destinations switched off because their section has problems. */
  disabled: string[]
}

export const DEFAULTS = { eventId: DEFAULT_EVENT_ID, readyTimeoutMs: 10_000, queueLimit: 100 } as const

/** The built-in preset: every adapter's own default rules. */
export function presetConfig(adapters: readonly Adapter[]): { destinations: Record<string, DestinationConfig> } {
  const destinations: Record<string, DestinationConfig> = {}
  for (const adapter of adapters) {
    const { events, screens, webhooks } = adapter.preset
    destinations[adapter.name] = webhooks ? { events, screens, webhooks } : { events, screens }
  }
  return { destinations }
}

/**
 * Validates a user config and lays it over the preset. Never throws: a problem outside
 * `destinations` falls back to the default for that key; a problem inside one destination
 * disables that destination only.
 */
export function resolveConfig(input: unknown, adapters: readonly Adapter[]): ResolvedConfig {
  const user = isPlainObject(input) ? foldAliases(input) : {}
  const problems: Problem[] = input === undefined || isPlainObject(input) ? [] : [{ path: 'config', message: 'must be a JSON object' }]
  const globalProblems = validateGlobals(
    user,
    adapters.map((a) => a.name),
  )
  problems.push(...globalProblems)
  const usable = (key: string) => user[key] !== undefined && !globalProblems.some((p) => p.path === key)

  const userDestinations = usable('destinations') ? (user.destinations as Record<string, unknown>) : {}
  for (const name of Object.keys(userDestinations)) {
    if (!adapters.some((a) => a.name === name)) {
      problems.push({ path: `destinations.${name}`, message: `unknown destination; expected one of ${adapters.map((a) => `"${a.name}"`).join(', ')}` })
    }
  }
  const consent = (usable('consent') ? user.consent : {}) as ConsentConfig
  const base = usable('extends') && user.extends === 'none' ? {} : presetConfig(adapters).destinations
  const destinations: ActiveDestination[] = []
  const disabled: string[] = []
  for (const adapter of adapters) {
    const explicit = hasOwn(userDestinations, adapter.name)
    const merged = mergePatch(base[adapter.name], userDestinations[adapter.name])
    if (merged === undefined) continue
    const written = userDestinations[adapter.name]
    const sectionProblems = validateDestination(adapter, merged, `destinations.${adapter.name}`, written === undefined ? {} : written)
    problems.push(...sectionProblems)
    if (sectionProblems.length) disabled.push(adapter.name)
    else if ((merged as DestinationConfig).enabled !== false) {
      const category = consent.categories?.[adapter.name] ?? adapter.consentCategory
      destinations.push({ adapter, config: merged as DestinationConfig, explicit, category })
    }
  }
  return {
    debug: usable('debug') ? (user.debug as boolean) : false,
    eventId: usable('eventId') ? (user.eventId as string) : DEFAULTS.eventId,
    readyTimeoutMs: usable('readyTimeoutMs') ? (user.readyTimeoutMs as number) : DEFAULTS.readyTimeoutMs,
    queueLimit: usable('queueLimit') ? (user.queueLimit as number) : DEFAULTS.queueLimit,
    consent: { required: consent.required === true, ...(consent.follow ? { follow: consent.follow } : {}) },
    destinations,
    problems,
    disabled,
  }
}

/** Rules written for an alias (`popin_call_missed`) apply to the catalog name. */
function foldAliases(config: Record<string, unknown>): Record<string, unknown> {
  if (!isPlainObject(config.destinations)) return config
  const destinations: Record<string, unknown> = {}
  for (const [name, section] of Object.entries(config.destinations)) {
    if (!isPlainObject(section) || !isPlainObject(section.events)) {
      destinations[name] = section
      continue
    }
    const events: Record<string, unknown> = {}
    for (const [key, rule] of Object.entries(section.events)) {
      const canonical = EVENT_ALIASES[key] ?? key
      if (!(canonical in events) || canonical === key) events[canonical] = rule
    }
    destinations[name] = { ...section, events }
  }
  return { ...config, destinations }
}

/** Problems as the console and the CLI print them: `path: message`, one a line. */
export function formatProblems(problems: readonly Problem[]): string {
  return problems.map((p) => `${p.path}: ${p.message}`).join('\n')
}
