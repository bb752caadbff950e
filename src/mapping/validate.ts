import type { Adapter, SettingSpec } from '../adapter'
import { isPersonalPath } from '../events/personal'
import { isPlainObject } from '../lib/is-plain-object'
import { templateVariables } from '../lib/template'
import { CONSENT_CATEGORIES, CONSENT_SOURCES } from '../consent/state'
import type { Problem } from './types'

export const GLOBAL_KEYS = ['$schema', 'extends', 'debug', 'eventId', 'readyTimeoutMs', 'queueLimit', 'consent', 'relay', 'destinations'] as const

/** Keys that hold secrets: a config may ship to browsers, so they come from the environment only. */
const SECRET_KEY = /^(access_?token|api_?secret|api_?key|secret|token|password|write_?key_?secret)$/i
const SECRET_MESSAGE =
  'secrets come from environment variables, never from the config (POPIN_BRIDGE_META_ACCESS_TOKEN, POPIN_BRIDGE_GA4_API_SECRET, POPIN_BRIDGE_SEGMENT_WRITE_KEY, POPIN_BRIDGE_POPIN_API_KEY)'
export const unknownKey = (path: string, key: string, expected: string) => ({ path, message: SECRET_KEY.test(key) ? SECRET_MESSAGE : expected })
export const PRESETS = ['popin-default', 'none'] as const
const DESTINATION_KEYS = ['enabled', 'load', 'events', 'screens', 'webhooks']
const RULE_KEYS = ['name', 'call', 'params', 'payload']
const PAGE_FIELDS = ['url', 'path', 'title', 'referrer', 'host']
const MAX_RULES_PER_EVENT = 5
const MAX_PARAM_DEPTH = 3

export const list = (values: readonly string[]) => values.map((v) => `"${v}"`).join(', ')
export const typeOf = (value: unknown) => (value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`)

/** Problems in the settings outside `destinations`. */
export function validateGlobals(config: Record<string, unknown>, destinationNames: readonly string[]): Problem[] {
  const problems: Problem[] = []
  for (const key of Object.keys(config)) {
    if (!(GLOBAL_KEYS as readonly string[]).includes(key)) problems.push(unknownKey(key, key, `unknown key; expected one of ${list(GLOBAL_KEYS)}`))
  }
  const { extends: preset, debug, eventId, readyTimeoutMs, queueLimit, destinations } = config
  if (preset !== undefined && !(PRESETS as readonly unknown[]).includes(preset)) {
    problems.push({ path: 'extends', message: `must be one of ${list(PRESETS)}` })
  }
  if (debug !== undefined && typeof debug !== 'boolean') problems.push({ path: 'debug', message: `must be true or false, not ${typeOf(debug)}` })
  if (eventId !== undefined && (typeof eventId !== 'string' || templateVariables(eventId).length === 0)) {
    problems.push({ path: 'eventId', message: 'must be a template with at least one {{variable}}, e.g. "{{name}}.{{uid}}"' })
  }
  checkInteger(problems, 'readyTimeoutMs', readyTimeoutMs, 0, 600_000)
  checkInteger(problems, 'queueLimit', queueLimit, 1, 10_000)
  if (destinations !== undefined && !isPlainObject(destinations)) {
    problems.push({ path: 'destinations', message: `must be an object, not ${typeOf(destinations)}` })
  }
  if (config.consent !== undefined) problems.push(...validateConsent(config.consent, destinationNames))
  // The relay checks its own section (src/relay/settings.ts): browsers never need it.
  if (config.relay !== undefined && !isPlainObject(config.relay)) problems.push({ path: 'relay', message: `must be an object, not ${typeOf(config.relay)}` })
  return problems
}


function validateConsent(consent: unknown, destinationNames: readonly string[]): Problem[] {
  if (!isPlainObject(consent)) return [{ path: 'consent', message: `must be an object, not ${typeOf(consent)}` }]
  const problems: Problem[] = []
  for (const key of Object.keys(consent)) {
    if (!['required', 'categories', 'follow'].includes(key)) problems.push({ path: `consent.${key}`, message: 'unknown key; expected one of "required", "categories", "follow"' })
  }
  if (consent.required !== undefined && typeof consent.required !== 'boolean') problems.push({ path: 'consent.required', message: 'must be true or false' })
  if (consent.follow !== undefined && !(CONSENT_SOURCES as readonly unknown[]).includes(consent.follow)) {
    problems.push({ path: 'consent.follow', message: `must be one of ${list(CONSENT_SOURCES)}` })
  }
  const { categories } = consent
  if (categories === undefined) return problems
  if (!isPlainObject(categories)) return [...problems, { path: 'consent.categories', message: `must be an object, not ${typeOf(categories)}` }]
  for (const [name, category] of Object.entries(categories)) {
    const path = `consent.categories.${name}`
    if (!destinationNames.includes(name)) problems.push({ path, message: `unknown destination; expected one of ${list(destinationNames)}` })
    else if (!CONSENT_CATEGORIES.includes(category as never)) problems.push({ path, message: `must be one of ${list(CONSENT_CATEGORIES)}` })
  }
  return problems
}

export function checkInteger(problems: Problem[], path: string, value: unknown, min: number, max: number) {
  if (value === undefined) return
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    problems.push({ path, message: `must be a whole number from ${min} to ${max}` })
  }
}

/**
 * Problems in one destination section; any problem disables that destination only. With
 * `written`, the user's own section, only the rules it touches are checked: the preset's rules
 * are checked by the test suite, not again in every page at start-up.
 */
export function validateDestination(adapter: Adapter, section: unknown, path: string, written?: unknown): Problem[] {
  if (!isPlainObject(section)) return [{ path, message: `must be an object, not ${typeOf(section)}` }]
  const problems: Problem[] = []
  const settingKeys = Object.keys(adapter.settings)
  for (const [key, value] of Object.entries(section)) {
    const spec = adapter.settings[key]
    if (spec) checkSetting(problems, `${path}.${key}`, spec, value)
    else if (!DESTINATION_KEYS.includes(key)) {
      problems.push(unknownKey(`${path}.${key}`, key, `unknown setting; expected one of ${list([...DESTINATION_KEYS, ...settingKeys])}`))
    }
  }
  if (section.enabled !== undefined && typeof section.enabled !== 'boolean') {
    problems.push({ path: `${path}.enabled`, message: 'must be true or false' })
  }
  if (section.load !== undefined && section.load !== 'auto' && section.load !== 'page') {
    problems.push({ path: `${path}.load`, message: 'must be "auto" or "page"' })
  }
  for (const group of ['events', 'screens', 'webhooks'] as const) {
    const rules = section[group]
    if (rules === undefined) continue
    if (!isPlainObject(rules)) {
      problems.push({ path: `${path}.${group}`, message: `must be an object of rules, not ${typeOf(rules)}` })
      continue
    }
    const touched = isPlainObject(written) ? written[group] : rules
    for (const [key, ruleSet] of Object.entries(rules)) {
      if (isPlainObject(touched) && key in touched) checkRuleSet(problems, adapter, ruleSet, `${path}.${group}.${key}`)
    }
  }
  return problems
}

function checkSetting(problems: Problem[], path: string, spec: SettingSpec, value: unknown) {
  if (spec.type === 'string') {
    if (typeof value !== 'string' || value === '') problems.push({ path, message: 'must be a non-empty string' })
    else if (spec.pattern && !spec.pattern.test(value)) problems.push({ path, message: spec.hint ?? `must match ${spec.pattern}` })
  } else if (spec.type === 'boolean') {
    if (typeof value !== 'boolean') problems.push({ path, message: 'must be true or false' })
  } else if (!isPlainObject(value)) {
    problems.push({ path, message: `must be an object, not ${typeOf(value)}` })
  }
}

function checkRuleSet(problems: Problem[], adapter: Adapter, ruleSet: unknown, path: string) {
  if (ruleSet === null || typeof ruleSet === 'boolean') return
  if (Array.isArray(ruleSet)) {
    if (ruleSet.length === 0 || ruleSet.length > MAX_RULES_PER_EVENT) {
      problems.push({ path, message: `a list of rules must hold 1 to ${MAX_RULES_PER_EVENT} rules (use false to send nothing)` })
    }
    ruleSet.forEach((rule, i) => checkRule(problems, adapter, rule, `${path}[${i}]`))
    return
  }
  checkRule(problems, adapter, ruleSet, path)
}

function checkRule(problems: Problem[], adapter: Adapter, rule: unknown, path: string) {
  if (!isPlainObject(rule)) {
    problems.push({ path, message: `must be true, false, a rule object or a list of rules, not ${typeOf(rule)}` })
    return
  }
  const before = problems.length
  for (const key of Object.keys(rule)) {
    if (!RULE_KEYS.includes(key)) problems.push({ path: `${path}.${key}`, message: `unknown rule key; expected one of ${list(RULE_KEYS)}` })
  }
  const { name, call, params, payload } = rule
  if (name !== undefined && (typeof name !== 'string' || name.trim() === '' || name.length > 100)) {
    problems.push({ path: `${path}.name`, message: 'must be a non-empty string of at most 100 characters' })
  }
  if (call !== undefined && !adapter.calls.includes(call as string)) {
    problems.push({ path: `${path}.call`, message: `must be one of ${list(adapter.calls)} for ${adapter.label}` })
  }
  if (payload !== undefined && typeof payload !== 'boolean') problems.push({ path: `${path}.payload`, message: 'must be true or false' })
  if (params !== undefined) {
    if (!isPlainObject(params)) problems.push({ path: `${path}.params`, message: `must be an object, not ${typeOf(params)}` })
    else {
      for (const [key, source] of Object.entries(params)) {
        const paramPath = `${path}.params.${key}`
        checkSource(problems, source, paramPath, 1)
        const personal = personalSource(source)
        if (personal && adapter.personalData === 'never') {
          problems.push({ path: paramPath, message: `${adapter.label} must not receive personal data (payload field "${personal}")` })
        }
      }
    }
  }
  // Vendor rules only make sense once the rule itself is well formed.
  if (problems.length === before) problems.push(...(adapter.checkRule?.(rule, path) ?? []))
}

function checkSource(problems: Problem[], source: unknown, path: string, depth: number) {
  if (source === null || ['string', 'number', 'boolean'].includes(typeof source)) return
  if (!isPlainObject(source)) {
    problems.push({ path, message: `must be a constant, a directive such as {"@path": "uid"}, or an object of them, not ${typeOf(source)}` })
    return
  }
  const keys = Object.keys(source)
  const directive = keys.find((key) => key.startsWith('@'))
  if (directive) {
    const value = source[directive]
    if (keys.length !== 1) problems.push({ path, message: `a directive object holds only its directive, found ${list(keys)}` })
    else if (directive === '@page') {
      if (!PAGE_FIELDS.includes(value as string)) problems.push({ path: `${path}.@page`, message: `must be one of ${list(PAGE_FIELDS)}` })
    } else if (directive === '@path' || directive === '@template') {
      if (typeof value !== 'string' || value === '') problems.push({ path: `${path}.${directive}`, message: 'must be a non-empty string' })
    } else problems.push({ path, message: `unknown directive "${directive}"; expected "@path", "@template" or "@page"` })
    return
  }
  if (depth >= MAX_PARAM_DEPTH) {
    problems.push({ path, message: `objects may nest at most ${MAX_PARAM_DEPTH} levels` })
    return
  }
  for (const [key, child] of Object.entries(source)) checkSource(problems, child, `${path}.${key}`, depth + 1)
}

/** The personal payload field a param source reads, if any. */
function personalSource(source: unknown): string | undefined {
  if (!isPlainObject(source)) return undefined
  if (typeof source['@path'] === 'string') return isPersonalPath(source['@path']) ? source['@path'] : undefined
  if (typeof source['@template'] === 'string') return templateVariables(source['@template']).find(isPersonalPath)
  for (const child of Object.values(source)) {
    const found = personalSource(child)
    if (found) return found
  }
  return undefined
}
