import { presetOf } from '../../adapters/config'
import type { Adapter, Rule, RuleSet } from '../adapter'
import type { ConsentCategory } from '../consent/state'
import { DEFAULTS } from '../config/defaults'
import type { Problem } from '../config/problem'
import { canonicalEventName } from '../events/catalog'
import { hasOwn } from '../lib/has-own'
import { isPlainObject } from '../lib/is-plain-object'
import { mergePatch } from '../lib/merge-patch'
import type { PersonalPolicy } from '../privacy/policy'
import type { CallsSource, DestinationSource, PlanSource, Section, TableSource } from './plan'

/**
 * A config resolved into plain data (preset merged, aliases folded, `true` expanded), given its
 * problems: a problem outside `destinations` falls back to the default for that key; a problem
 * inside one destination switches that destination off. The compiled tag carries the result.
 */
export function resolve(input: unknown, problems: readonly Problem[], { adapters, side }: { adapters: readonly Adapter[]; side: 'browser' | 'server' }): PlanSource {
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
    const table = (key: Section) => resolveTable(key, settings[key], presetOf(adapter)[key] ?? {})
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
      debug: user.debug === true,
      eventId: typeof user.eventId === 'string' ? user.eventId : DEFAULTS.eventId,
      readyTimeoutMs: typeof user.readyTimeoutMs === 'number' ? user.readyTimeoutMs : DEFAULTS.readyTimeoutMs,
      queueLimit: typeof user.queueLimit === 'number' ? user.queueLimit : DEFAULTS.queueLimit,
      consent: { required: consent.required === true, ...(consent.follow ? { follow: consent.follow } : {}) },
      destinations,
      disabled,
      ...(typeof user.relayUrl === 'string' ? { relayUrl: user.relayUrl } : {}),
  }
}

function presetSection(adapter: Adapter): Record<string, unknown> {
  const { events, screens, webhooks } = presetOf(adapter)
  return webhooks ? { events, screens, webhooks } : { events, screens }
}

/**
 * The config without the values its problems are about: a global setting falls back to its
 * default (each key of `consent` on its own, so one typo cannot switch consent off), and a
 * destination with a problem is dropped by the caller.
 */
function withoutProblems(config: Record<string, unknown>, problems: readonly Problem[]): Record<string, unknown> {
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
