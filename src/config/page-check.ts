import { settingsOf } from '../../adapters/config'
import type { Adapter, SettingSpec } from '../adapter'
import { CONSENT_CATEGORIES, CONSENT_SOURCES } from '../consent/state'
import { hasOwn } from '../lib/has-own'
import { isPlainObject } from '../lib/is-plain-object'
import { beyondLimits } from '../lib/beyond-limits'
import { PROTOTYPE_KEYS } from '../lib/prototype-keys'
import { PERSONAL_POLICIES } from '../privacy/policy'
import { CONFIG_LIMITS, EVENT_ID_RULES, MAX_PARAM_DEPTH, MAX_RULES_PER_EVENT, PAGE_FIELDS, PATH, PRESETS, QUEUE_LIMIT_RANGE, READY_TIMEOUT_RANGE, RELAY_URL } from './defaults'
import type { Problem } from './problem'

/** What the page says of a problem: the CLI says what is wrong, the page carries no validator. */
export const SEE_VALIDATE = 'is not valid: npx popin-bridge validate <config.json> says why'

type Check = (value: unknown) => boolean

const isString: Check = (value) => typeof value === 'string'
const isFlag: Check = (value) => typeof value === 'boolean'
const oneOf =
  (values: readonly unknown[]): Check =>
  (value) =>
    values.includes(value)
const wholeNumber =
  (min: number, max: number): Check =>
  (value) =>
    Number.isInteger(value) && (value as number) >= min && (value as number) <= max

const GLOBAL: Record<string, Check> = {
  $schema: isString,
  extends: oneOf(PRESETS),
  debug: isFlag,
  eventId: (value) => isString(value) && EVENT_ID_RULES.every(([pattern]) => pattern.test(value as string)),
  readyTimeoutMs: wholeNumber(...READY_TIMEOUT_RANGE),
  queueLimit: wholeNumber(...QUEUE_LIMIT_RANGE),
  relayUrl: (value) => isString(value) && RELAY_URL.test(value as string),
  relay: () => true,
}

/**
 * The drop-ins' check of a config, in place of the schema (which stays with the CLI): each value
 * the page would use must have the shape it can use, else it is a problem at its JSON path, and
 * the destination it is in stays off (the rest falls back to its default). A config that passes
 * `popin-bridge validate` passes this.
 */
export function pageProblems(input: unknown, adapters: readonly Adapter[]): Problem[] {
  if (input === undefined) return []
  if (!isPlainObject(input) || beyondLimits(input, CONFIG_LIMITS)) return [{ path: 'config', message: SEE_VALIDATE }]
  // As the schema does: the key's destination is off, or its global setting falls back.
  const problems: string[] = prototypeKeyPaths(input)
  for (const key of Object.keys(input)) {
    if (key === 'consent') checkConsent(input.consent, adapters, problems)
    else if (key === 'destinations') checkDestinations(input.destinations, adapters, problems)
    else if (!hasOwn(GLOBAL, key) || !GLOBAL[key]!(input[key])) problems.push(key)
  }
  return [...new Set(problems)].map((path) => ({ path, message: SEE_VALIDATE }))
}

function prototypeKeyPaths(value: unknown, path = ''): string[] {
  if (value === null || typeof value !== 'object') return []
  return Object.keys(value).flatMap((key) => {
    const at = path ? `${path}.${key}` : key
    return PROTOTYPE_KEYS.includes(key) ? [at] : prototypeKeyPaths((value as Record<string, unknown>)[key], at)
  })
}

function checkConsent(consent: unknown, adapters: readonly Adapter[], problems: string[]) {
  if (!isPlainObject(consent)) return problems.push('consent')
  const checks: Record<string, Check> = {
    required: isFlag,
    follow: oneOf(CONSENT_SOURCES),
    categories: (value) => isPlainObject(value) && Object.keys(value).every((name) => adapters.some((a) => a.name === name) && CONSENT_CATEGORIES.includes(value[name] as never)),
  }
  for (const key of Object.keys(consent)) if (!hasOwn(checks, key) || !checks[key]!(consent[key])) problems.push(`consent.${key}`)
}

function checkDestinations(destinations: unknown, adapters: readonly Adapter[], problems: string[]) {
  if (!isPlainObject(destinations)) return problems.push('destinations')
  for (const name of Object.keys(destinations)) {
    const adapter = adapters.find((a) => a.name === name)
    const section = destinations[name]
    if (!adapter) problems.push(`destinations.${name}`)
    else if (section !== null) checkSection(section, adapter, `destinations.${name}`, problems)
  }
}

function checkSection(section: unknown, adapter: Adapter, path: string, problems: string[]) {
  if (!isPlainObject(section)) return problems.push(path)
  const shared: Record<string, Check> = {
    enabled: isFlag,
    load: oneOf(['auto', 'page']),
    personalData: (value) => adapter.personalData === 'setting' && PERSONAL_POLICIES.includes(value as never),
    events: (rules) => isRuleTable(rules, adapter),
    screens: (rules) => isRuleTable(rules, adapter),
    webhooks: (rules) => isRuleTable(rules, adapter),
  }
  const specs: Record<string, SettingSpec<any>> = settingsOf(adapter)
  for (const key of Object.keys(section)) {
    const value = section[key]
    const spec = hasOwn(specs, key) ? specs[key]! : undefined
    const fits = hasOwn(shared, key) ? shared[key]!(value) : spec !== undefined && isSetting(value, spec)
    if (!fits) problems.push(`${path}.${key}`)
  }
}

function isSetting(value: unknown, spec: SettingSpec<any>): boolean {
  if (spec.type === 'string') return typeof value === 'string' && spec.pattern.test(value)
  return spec.type === 'boolean' ? isFlag(value) : isPlainObject(value)
}

function isRuleTable(rules: unknown, adapter: Adapter): boolean {
  return isPlainObject(rules) && Object.values(rules).every((ruleSet) => isRuleSet(ruleSet, adapter))
}

function isRuleSet(ruleSet: unknown, adapter: Adapter): boolean {
  if (ruleSet === null || typeof ruleSet === 'boolean') return true
  if (Array.isArray(ruleSet)) return ruleSet.length >= 1 && ruleSet.length <= MAX_RULES_PER_EVENT && ruleSet.every((rule) => isRule(rule, adapter))
  return isRule(ruleSet, adapter)
}

function isRule(rule: unknown, adapter: Adapter): boolean {
  if (!isPlainObject(rule)) return false
  const checks: Record<string, Check> = {
    name: (name) => isString(name) && /\S/.test(name as string) && Array.from(name as string).length <= 100,
    call: oneOf(adapter.calls),
    params: (params) => isPlainObject(params) && Object.values(params).every((source) => source === null || isSource(source, 1)),
    payload: isFlag,
  }
  return Object.keys(rule).every((key) => hasOwn(checks, key) && checks[key]!(rule[key]))
}

/** A constant, one directive alone in its object, or an object of these (at most three levels). */
function isSource(source: unknown, depth: number): boolean {
  if (!isPlainObject(source)) return source === null || ['string', 'number', 'boolean'].includes(typeof source)
  const keys = Object.keys(source)
  const directive = keys.find((key) => key.startsWith('@'))
  if (directive === undefined) return depth < MAX_PARAM_DEPTH && keys.every((key) => isSource(source[key], depth + 1))
  const value = source[directive]
  if (keys.length !== 1) return false
  if (directive === '@page') return PAGE_FIELDS.includes(value as never)
  if (directive === '@path') return isString(value) && PATH.test(value as string)
  return directive === '@template' && isString(value) && value !== ''
}
