import type { Adapter } from '../adapter'
import { isPersonalPath } from '../events/personal'
import { hasOwn } from '../lib/has-own'
import { renderTemplate } from '../lib/template'
import { lookupVariable, type PageContext } from './context'
import { resolveParams } from './params'
import type { DestinationConfig, MappedCall, PopinEvent, Rule, RuleSet } from './types'

export const DEFAULT_EVENT_ID = '{{name}}.{{uid}}'

export interface MapOptions {
  page: PageContext
  eventIdTemplate: string
  /** Appended to an event id whose template had a missing variable, to keep it unique. */
  uniqueSuffix: () => string
}

/** Why nothing was mapped, for debug mode. */
export type NoCall = { reason: string }

/**
 * Applies one destination's rules to one event: zero, one or several destination-neutral calls.
 * Screen-navigation events use `screens`, everything else `events`; `"*"` catches the rest.
 */
export function mapEvent(
  adapter: Adapter,
  config: DestinationConfig,
  event: PopinEvent,
  options: MapOptions,
): MappedCall[] | NoCall {
  const [section, key] =
    event.kind === 'screen'
      ? (['screens', event.screen as string] as const)
      : event.kind === 'webhook'
        ? (['webhooks', event.name] as const)
        : (['events', event.name] as const)
  const rules = config[section] ?? {}
  const own = hasOwn(rules, key)
  const ruleSet = own ? rules[key] : rules['*']
  if (ruleSet === undefined || ruleSet === null || ruleSet === false) {
    const where = `${section}.${own ? key : '*'}`
    return { reason: ruleSet === false ? `${where} is false` : `no rule at ${where}` }
  }
  const preset = adapter.preset[section] ?? {}
  const list = expand(ruleSet, (own ? preset[key] : undefined) ?? preset['*'])
  return list.map((rule) => toCall(adapter, rule, event, options))
}

const FORWARD: Rule[] = [{ payload: true }]

/** `true` means the preset's rule for that key (else its `"*"` rule), or a plain forward. */
function expand(ruleSet: RuleSet, presetRule: RuleSet | undefined): Rule[] {
  if (ruleSet === true) return presetRule && presetRule !== true ? expand(presetRule, undefined) : FORWARD
  if (ruleSet === false) return []
  return Array.isArray(ruleSet) ? ruleSet : [ruleSet]
}

function toCall(adapter: Adapter, rule: Rule, event: PopinEvent, options: MapOptions): MappedCall {
  const lookup = (variable: string, extra?: Record<string, string>) => lookupVariable(event, options.page, variable, extra)
  const name = renderTemplate(rule.name ?? '{{event}}', (v) => lookup(v)).text || event.name
  const call = rule.call ?? adapter.defaultCall?.(name) ?? (adapter.calls[0] as string)
  const { params, personal } = resolveParams(rule.params, event, options.page)
  if (rule.payload) {
    for (const [key, value] of Object.entries(event.data)) {
      if (key in params) continue
      params[key] = value
      if (isPersonalPath(key)) personal.push(key)
    }
  }
  const id = renderTemplate(options.eventIdTemplate, (v) => lookup(v, { name }))
  const eventId = id.missing.length ? `${id.text}.${options.uniqueSuffix()}` : id.text
  return { destination: adapter.name, call, name, params, personal, eventId, event }
}
