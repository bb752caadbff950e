import type { Adapter, SettingSpec } from '../adapter'
import { POPIN_EVENTS, SCREEN_IDS, WEBHOOK_EVENTS } from '../events/catalog'
import { CONSENT_CATEGORIES, CONSENT_SOURCES } from '../consent/state'
import { ACTION_SOURCES } from '../relay/settings'
import { DEFAULTS } from './config'
import { GLOBAL_KEYS, PRESETS } from './validate'

/**
 * The JSON Schema (draft-07) of the config, built from the same declarations `validate` uses,
 * so editors autocomplete exactly what the bridge accepts.
 */
export function configSchema(adapters: readonly Adapter[]): Record<string, unknown> {
  const definitions: Record<string, unknown> = {
    paramSource: {
      description: 'A constant, {"@path": "field"}, {"@template": "text {{field}}"}, {"@page": "url"}, or an object of these',
      anyOf: [
        { type: ['string', 'number', 'boolean', 'null'] },
        directive('@path', { type: 'string', minLength: 1, description: 'A payload field; dots reach into objects' }),
        directive('@template', { type: 'string', minLength: 1, description: 'Text with {{field}}, {{event}}, {{screen}} slots' }),
        directive('@page', { enum: ['url', 'path', 'title', 'referrer', 'host'] }),
        { type: 'object', propertyNames: { pattern: '^[^@]' }, additionalProperties: { $ref: '#/definitions/paramSource' } },
      ],
    },
  }
  const destinations: Record<string, unknown> = {}
  for (const adapter of adapters) {
    definitions[`rule_${adapter.name}`] = {
      type: 'object',
      additionalProperties: false,
      properties: {
        name: { type: 'string', minLength: 1, maxLength: 100, description: `The ${adapter.label} event name` },
        call: { enum: [...adapter.calls] },
        params: { type: 'object', additionalProperties: { $ref: '#/definitions/paramSource' } },
        payload: { type: 'boolean', description: 'Also forward every payload field' },
      },
    }
    const ruleSet = {
      anyOf: [
        { type: ['boolean', 'null'] },
        { $ref: `#/definitions/rule_${adapter.name}` },
        { type: 'array', minItems: 1, maxItems: 5, items: { $ref: `#/definitions/rule_${adapter.name}` } },
      ],
    }
    const settings = Object.fromEntries(Object.entries(adapter.settings).map(([key, spec]) => [key, settingSchema(spec)]))
    destinations[adapter.name] = {
      type: ['object', 'null'],
      description: adapter.label,
      additionalProperties: false,
      properties: {
        enabled: { type: 'boolean', default: true },
        load: { enum: ['auto', 'page'], default: 'auto' },
        ...settings,
        events: {
          type: 'object',
          propertyNames: { examples: [...POPIN_EVENTS, '*'] },
          additionalProperties: ruleSet,
        },
        screens: {
          type: 'object',
          propertyNames: { examples: [...SCREEN_IDS, '*'] },
          additionalProperties: ruleSet,
        },
        webhooks: {
          type: 'object',
          propertyNames: { examples: [...WEBHOOK_EVENTS, '*'] },
          additionalProperties: ruleSet,
        },
      },
    }
  }
  const properties: Record<(typeof GLOBAL_KEYS)[number], unknown> = {
    $schema: { type: 'string' },
    extends: { enum: [...PRESETS], default: 'popin-default' },
    debug: { type: 'boolean', default: false },
    eventId: { type: 'string', pattern: '\\{\\{\\s*[\\w.]+\\s*\\}\\}', default: DEFAULTS.eventId },
    readyTimeoutMs: { type: 'integer', minimum: 0, maximum: 600_000, default: DEFAULTS.readyTimeoutMs },
    queueLimit: { type: 'integer', minimum: 1, maximum: 10_000, default: DEFAULTS.queueLimit },
    consent: {
      type: 'object',
      additionalProperties: false,
      properties: {
        required: { type: 'boolean', default: false },
        categories: {
          type: 'object',
          additionalProperties: false,
          properties: Object.fromEntries(adapters.map((a) => [a.name, { enum: [...CONSENT_CATEGORIES], default: a.consentCategory }])),
        },
        follow: { enum: [...CONSENT_SOURCES] },
      },
    },
    relay: {
      type: 'object',
      description: 'The webhook relay (popin-bridge relay); secrets come from environment variables',
      additionalProperties: false,
      properties: {
        host: { type: 'string', default: '127.0.0.1' },
        port: { type: 'integer', minimum: 0, maximum: 65535, default: 8787 },
        database: { type: 'string', default: 'popin-bridge-relay.db' },
        timeZone: { type: 'string', default: 'UTC', description: "IANA zone of Popin's scheduled date and time" },
        allowMissingApiKey: { type: 'boolean', default: false },
        actionSource: { enum: [...ACTION_SOURCES], default: 'chat' },
        testEventCode: { type: 'string' },
        endpoints: { type: 'object', additionalProperties: { type: 'string', pattern: '^https?://' } },
        maxAttempts: { type: 'integer', minimum: 1, maximum: 50, default: 12 },
        requestTimeoutMs: { type: 'integer', minimum: 100, maximum: 60000, default: 5000 },
        retryBaseMs: { type: 'integer', minimum: 10, maximum: 600000, default: 1000 },
      },
    },
    destinations: { type: 'object', additionalProperties: false, properties: destinations },
  }
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: 'popin-bridge config',
    type: 'object',
    additionalProperties: false,
    properties,
    definitions,
  }
}

function directive(key: string, value: Record<string, unknown>) {
  return { type: 'object', required: [key], additionalProperties: false, properties: { [key]: value } }
}

function settingSchema(spec: SettingSpec): Record<string, unknown> {
  if (spec.type === 'string') {
    return { type: 'string', minLength: 1, description: spec.description, ...(spec.pattern ? { pattern: spec.pattern.source } : {}) }
  }
  return { type: spec.type, description: spec.description }
}
