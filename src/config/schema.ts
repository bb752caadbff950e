import * as v from 'valibot'
import { describe } from '../lib/describe'
import { noArray } from '../lib/no-array'
import { namesOf, settingsOf } from '../../adapters/config'
import type { Adapter, ParamSource, SettingSpec, SettingsOf } from '../adapter'
import { CONSENT_CATEGORIES, CONSENT_SOURCES, type ConsentCategory } from '../consent/state'
import { FIELD_CLASSES } from '../events/catalog'
import { PERSONAL_POLICIES } from '../privacy/policy'
import { CHAR } from '../lib/char'
import { DEFAULT_EVENT_ID, EVENT_ID_RULES, MAX_PARAM_DEPTH, MAX_RULES_PER_EVENT, PAGE_FIELDS, PATH, PRESETS, QUEUE_LIMIT_RANGE, READY_TIMEOUT_RANGE, RELAY_URL } from './defaults'
import { integer, keyText, nonEmpty, oneOf, quoteList, text, textAll, words } from './text'

/**
 * The one definition of the config: the validator is this schema, the shipped JSON Schema is
 * generated from it (src/config/json-schema.ts) and the TypeScript types are inferred from it
 * (src/types.ts). Destinations and their settings come from the adapters.
 */

export { DEFAULT_EVENT_ID, DEFAULTS, MAX_PARAM_DEPTH, MAX_RULES_PER_EVENT, PAGE_FIELDS, PRESETS } from './defaults'

/** Keys that hold secrets: a config may ship to browsers, so they come from the environment only. */
export const SECRET_KEY = /^(access_?token|api_?secret|api_?key|secret|token|password|write_?key_?secret)$/i
export const SECRET_MESSAGE =
  'secrets come from environment variables, never from the config (POPIN_BRIDGE_META_ACCESS_TOKEN, POPIN_BRIDGE_GA4_API_SECRET, POPIN_BRIDGE_SEGMENT_WRITE_KEY, POPIN_BRIDGE_POPIN_API_KEY)'

const PERSONAL_FIELDS = [...FIELD_CLASSES].filter(([, cls]) => cls === 'personal').map(([name]) => name)
/** A `{{variable}}` naming a personal field, or a path into one. */
const PERSONAL_VARIABLE = `\\{\\{\\s*${words(PERSONAL_FIELDS)}(?:\\.[\\w.]*)?\\s*\\}\\}`
const VARIABLE = '\\{\\{\\s*[\\w.]+\\s*\\}\\}'
const NO_PERSONAL_VARIABLE = new RegExp(`^(?![\\s\\S]*${PERSONAL_VARIABLE})`)
const NO_PERSONAL_PATH = new RegExp(`^(?!${words(PERSONAL_FIELDS)}(?:\\.|$))`)

/** A strict object: unknown keys are problems, named with what was expected (or the secret rule). */
export function object<E extends v.ObjectEntries>(entries: E, what = 'key') {
  return noArray(strictObject(entries, what))
}

function strictObject<E extends v.ObjectEntries>(entries: E, what: string) {
  const expected = `unknown ${what}; expected one of ${quoteList(Object.keys(entries))}`
  return v.strictObject(entries, (issue) =>
    issue.expected === 'never' ? (SECRET_KEY.test(String(issue.input)) ? SECRET_MESSAGE : expected) : `must be an object, not ${typeOf(issue.input)}`,
  )
}


export const typeOf = (value: unknown) => (value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value === 'object' ? 'an object' : `a ${typeof value}`)

const optional = v.optional
/** A boolean, and what else it was when it is not. */
export const trueOrFalse = () => v.boolean((issue) => `must be true or false, not ${typeOf(issue.input)}`)
const flag = (description: string) => describe(trueOrFalse(), description)

const DIRECTIVES = ['@path', '@template', '@page'] as const
const SOURCE_MESSAGE = 'must be a constant, a directive such as {"@path": "uid"}, or an object of them'

/**
 * Where a parameter's value comes from: a constant, a directive, or an object of these. The
 * value's shape picks the schema it is checked against (`v.lazy`), so a mistake is reported as
 * what it is, not as one mismatch per alternative; the JSON Schema gets the union of them all.
 */
function paramSource(personalData: Adapter['personalData'], label: string, depth = 1): v.GenericSchema<ParamSource> {
  const noPersonal = personalData === 'never' ? ` (${label} must not receive personal data)` : ''
  const path =
    personalData === 'never'
      ? textAll([PATH, 'must be a payload field such as "rating"'], [NO_PERSONAL_PATH, `is a personal field${noPersonal}`])
      : text(PATH, 'must be a payload field such as "rating"')
  const template = personalData === 'never' ? textAll([/\S/, 'must be a non-empty string'], [NO_PERSONAL_VARIABLE, `uses a personal field${noPersonal}`]) : nonEmpty()
  const alone = (issue: v.StrictObjectIssue) => `a directive object holds only its directive; "${String(issue.input)}" does not belong here`
  const directives: Record<(typeof DIRECTIVES)[number], v.GenericSchema> = {
    '@path': v.strictObject({ '@path': path }, alone),
    '@template': v.strictObject({ '@template': template }, alone),
    '@page': v.strictObject({ '@page': oneOf(PAGE_FIELDS) }, alone),
  }
  const constant = v.union([v.string(), v.number(), v.boolean(), v.null()], (issue) => `${SOURCE_MESSAGE}, not ${typeOf(issue.input)}`)
  const unknownDirective = v.custom(() => false, (issue) => `unknown directive ${quoteList(Object.keys(issue.input as object).filter((k) => k.startsWith('@')))}; expected "@path", "@template" or "@page"`)
  const nested =
    depth < MAX_PARAM_DEPTH
      ? noArray(v.record(text(/^[^@]/, 'a directive must be alone in its object'), paramSource(personalData, label, depth + 1)))
      : v.custom(() => false, `objects may nest at most ${MAX_PARAM_DEPTH} levels`)
  const all = v.union([constant, ...Object.values(directives), ...(depth < MAX_PARAM_DEPTH ? [nested] : [])])
  return v.lazy((input) => {
    if (input === undefined) return all
    if (input === null || typeof input !== 'object' || Array.isArray(input)) return constant
    const directive = Object.keys(input).find((key) => key.startsWith('@'))
    if (directive === undefined) return nested
    return (DIRECTIVES as readonly string[]).includes(directive) ? directives[directive as (typeof DIRECTIVES)[number]] : unknownDirective
  }) as unknown as v.GenericSchema<ParamSource>
}

/** A rule: the destination's event name, call kind, params, and whether to forward the payload. */
function ruleSchema(adapter: Adapter) {
  const { personalData, label } = adapter
  const names = namesOf(adapter)
  const templated = new RegExp(`${VARIABLE}`)
  const nameChecks: [RegExp, string][] = [
    [new RegExp(`^(?=[\\s\\S]*\\S)${CHAR}{1,100}$`), 'must be a non-empty string of at most 100 characters'],
    ...(personalData === 'never' ? [[NO_PERSONAL_VARIABLE, `uses a personal field (${label} must not receive personal data)`] as [RegExp, string]] : []),
    // Vendor rules for a literal name; a templated name is fixed at run time.
    ...(names.event ?? []).map(([pattern, message]): [RegExp, string] => [new RegExp(`(?:${templated.source})|${pattern.source}`), message]),
  ]
  const paramName = names.param ? keyText(...names.param) : v.string()
  const params = noArray(v.record(paramName, v.nullable(paramSource(personalData, label))))
  return object(
    {
      name: optional(describe(textAll(...nameChecks), `The ${label} event name; may use {{event}}, {{screen}} and payload fields`)),
      call: optional(oneOf(adapter.calls)),
      params: optional(names.maxParams ? v.pipe(params, v.maxEntries(names.maxParams, `${label} takes at most ${names.maxParams} parameters`)) : params),
      payload: optional(flag('Also forward every payload field not named in params (the privacy policy still applies)')),
    },
    'rule key',
  )
}

function ruleSetSchema(adapter: Adapter) {
  const rule = ruleSchema(adapter)
  const size = `a list of rules must hold 1 to ${MAX_RULES_PER_EVENT} rules (use false to send nothing)`
  const list = v.pipe(v.array(rule), v.minLength(1, size), v.maxLength(MAX_RULES_PER_EVENT, size))
  const flagOrNull = v.union([v.boolean(), v.null()], (issue) => `must be true, false, a rule object or a list of rules, not ${typeOf(issue.input)}`)
  const all = v.union([v.boolean(), v.null(), rule, list])
  // As for param sources: the value's shape picks the schema, the JSON Schema gets the union.
  return v.lazy((input) => (input === undefined ? all : Array.isArray(input) ? list : input !== null && typeof input === 'object' ? rule : flagOrNull))
}

/** The keys every destination section shares, as schemas. */
function sharedEntries(adapter: Adapter) {
  const rules = noArray(v.record(v.string(), ruleSetSchema(adapter)))
  return {
    enabled: optional(flag('Default true')),
    load: optional(describe(oneOf(['auto', 'page'] as const), 'auto: use the page vendor, else load it when an id is set; page: only the page vendor')),
    personalData: optional(describe(oneOf(PERSONAL_POLICIES), 'Personal data: send, hash (SHA-256) or omit')),
    events: optional(describe(rules, 'Rules by Popin event name; "*" for events with no rule of their own')),
    screens: optional(describe(rules, 'Rules by screen id for screen-navigation events; "*" for every other screen')),
    webhooks: optional(describe(rules, 'Rules by Popin webhook name, for the relay; "*" for the rest')),
  }
}

/** A destination's own setting, as a schema. */
function settingSchema(spec: SettingSpec<any>): v.GenericSchema {
  const schema =
    spec.type === 'string'
      ? text(spec.pattern, spec.message)
      : spec.type === 'boolean'
        ? trueOrFalse()
        : noArray(v.record(v.string(), v.unknown(), 'must be an object'))
  return describe(schema, spec.description)
}

/** One destination's section: its own settings and the shared keys. `null` removes it. */
function destinationSchema(adapter: Adapter) {
  const { personalData, ...shared } = sharedEntries(adapter)
  const specs: Record<string, SettingSpec<any>> = settingsOf(adapter)
  const settings = Object.fromEntries(Object.entries(specs).map(([key, spec]) => [key, optional(settingSchema(spec))]))
  const entries: v.ObjectEntries = { ...shared, ...(adapter.personalData === 'setting' ? { personalData } : {}), ...settings }
  const section = object(entries, 'setting')
  return optional(v.nullable(describe(section, adapter.label)))
}

/** A destination section as a config writes it: the shared keys, and the adapter's own settings. */
export type DestinationSection<A extends Adapter> = v.InferInput<v.ObjectSchema<ReturnType<typeof sharedEntries>, undefined>> & Partial<SettingsOf<A>>

const EVENT_ID = textAll(...EVENT_ID_RULES)

export interface SchemaOptions {
  /** The relay's own section, or null where it is not checked (browsers ignore it). */
  relay: v.GenericSchema | null
}

/** The settings outside `destinations` and `consent.categories`, as schemas. */
function globalEntries(relay: v.GenericSchema | null) {
  return {
    $schema: optional(describe(v.string(), 'Link to the JSON Schema, for editors; ignored')),
    extends: optional(describe(oneOf(PRESETS), 'popin-default (default): start from the built-in preset; none: only what this config says')),
    debug: optional(flag('Log what each destination received or why not; also ?popin_bridge_debug')),
    eventId: optional(describe(EVENT_ID, `Template of each event occurrence's id (Pixel eventID). Default ${DEFAULT_EVENT_ID}`)),
    readyTimeoutMs: optional(describe(integer(...READY_TIMEOUT_RANGE), 'How long events wait for a vendor. Default 10000')),
    queueLimit: optional(describe(integer(...QUEUE_LIMIT_RANGE), 'How many events wait per destination. Default 100')),
    relayUrl: optional(describe(text(RELAY_URL, 'must be an http(s) URL'), "Public base URL of the relay's first-party route (the page posts to <relayUrl>/e), without query or trailing slash")),
    relay: optional(relay ?? v.unknown()),
  }
}

const consentEntries = {
  required: optional(flag('Hold events until their category is granted. Default false')),
  follow: optional(oneOf(CONSENT_SOURCES)),
}

/** The config's schema for a set of destinations. */
export function configSchema(adapters: readonly Adapter[], { relay }: SchemaOptions): v.GenericSchema {
  const byName = <T>(entry: (adapter: Adapter) => T) => Object.fromEntries(adapters.map((adapter) => [adapter.name, entry(adapter)])) as v.ObjectEntries
  // The root: checkConfig has already refused anything but a plain object.
  return strictObject({
    ...globalEntries(relay),
    consent: optional(object({ ...consentEntries, categories: optional(object(byName(() => optional(oneOf(CONSENT_CATEGORIES))), 'destination')) })),
    destinations: optional(object(byName(destinationSchema), 'destination')),
  }, 'key')
}

type Named<A extends readonly Adapter[]> = A[number]

/** The config as written, for a set of destinations: inferred from the schema's parts. */
export type ConfigInput<A extends readonly Adapter[]> = Omit<v.InferInput<v.ObjectSchema<ReturnType<typeof globalEntries>, undefined>>, 'relay'> & {
  consent?: v.InferInput<v.ObjectSchema<typeof consentEntries, undefined>> & { categories?: { [K in Named<A> as K['name']]?: ConsentCategory } }
  destinations?: { [K in Named<A> as K['name']]?: DestinationSection<K> | null }
}
