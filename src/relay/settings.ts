import { isPlainObject } from '../lib/is-plain-object'
import { DEFAULTS } from '../mapping/config'
import type { Problem } from '../mapping/types'
import { checkInteger, list, typeOf, unknownKey } from '../mapping/validate'
import type { RelaySettings } from './server-adapter'

/** The `relay` section of the config: how the webhook relay listens, stores and forwards. */
export interface RelayConfig {
  /** Default 127.0.0.1. */
  host?: string
  /** Default 8787. */
  port?: number
  /** SQLite file. Default `popin-bridge-relay.db` in the working directory. */
  database?: string
  /** IANA zone of Popin's scheduled date and time strings. Default UTC. */
  timeZone?: string
  /** Accept webhooks without an API key (Popin's "." setting). Default false. */
  allowMissingApiKey?: boolean
  /** Meta `action_source`. Default `chat` (a live video call with an expert). */
  actionSource?: (typeof ACTION_SOURCES)[number]
  /** Meta `test_event_code`, to see events in Events Manager > Test Events. */
  testEventCode?: string
  /** Base URL of each vendor API, e.g. for a proxy or a test double. */
  endpoints?: Record<string, string>
  /** Attempts before a delivery is dead-lettered. Default 12. */
  maxAttempts?: number
  /** Timeout of one request to a vendor. Default 5000. */
  requestTimeoutMs?: number
  /** First retry delay; each further one doubles, with full jitter, up to an hour. Default 1000. */
  retryBaseMs?: number
}

export const ACTION_SOURCES = ['chat', 'phone_call', 'website', 'email', 'app', 'physical_store', 'system_generated', 'business_messaging', 'other'] as const
const RELAY_KEYS = ['host', 'port', 'database', 'timeZone', 'allowMissingApiKey', 'actionSource', 'testEventCode', 'endpoints', 'maxAttempts', 'requestTimeoutMs', 'retryBaseMs']

/** Problems in the `relay` section, with their paths. */
export function validateRelay(relay: unknown, destinationNames: readonly string[]): Problem[] {
  if (!isPlainObject(relay)) return [{ path: 'relay', message: `must be an object, not ${typeOf(relay)}` }]
  const problems: Problem[] = []
  for (const key of Object.keys(relay)) {
    if (!RELAY_KEYS.includes(key)) problems.push(unknownKey(`relay.${key}`, key, `unknown key; expected one of ${list(RELAY_KEYS)}`))
  }
  const text = (key: string) => relay[key] !== undefined && (typeof relay[key] !== 'string' || relay[key] === '') && problems.push({ path: `relay.${key}`, message: 'must be a non-empty string' })
  text('host')
  text('database')
  text('testEventCode')
  checkInteger(problems, 'relay.port', relay.port, 0, 65535)
  checkInteger(problems, 'relay.maxAttempts', relay.maxAttempts, 1, 50)
  checkInteger(problems, 'relay.requestTimeoutMs', relay.requestTimeoutMs, 100, 60_000)
  checkInteger(problems, 'relay.retryBaseMs', relay.retryBaseMs, 10, 600_000)
  if (relay.allowMissingApiKey !== undefined && typeof relay.allowMissingApiKey !== 'boolean') problems.push({ path: 'relay.allowMissingApiKey', message: 'must be true or false' })
  if (relay.actionSource !== undefined && !(ACTION_SOURCES as readonly unknown[]).includes(relay.actionSource)) {
    problems.push({ path: 'relay.actionSource', message: `must be one of ${list(ACTION_SOURCES)}` })
  }
  if (relay.timeZone !== undefined && !isTimeZone(relay.timeZone)) problems.push({ path: 'relay.timeZone', message: 'must be an IANA time zone such as "Asia/Kolkata"' })
  const { endpoints } = relay
  if (endpoints !== undefined) {
    if (!isPlainObject(endpoints)) problems.push({ path: 'relay.endpoints', message: `must be an object, not ${typeOf(endpoints)}` })
    else {
      for (const [name, url] of Object.entries(endpoints)) {
        const path = `relay.endpoints.${name}`
        if (!destinationNames.includes(name)) problems.push({ path, message: `unknown destination; expected one of ${list(destinationNames)}` })
        else if (typeof url !== 'string' || !/^https?:\/\/[^\s]+$/.test(url)) problems.push({ path, message: 'must be an http(s) URL' })
      }
    }
  }
  return problems
}

function isTimeZone(value: unknown): boolean {
  if (typeof value !== 'string') return false
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: value })
    return true
  } catch {
    return false
  }
}

/** The relay's settings with defaults, from a config already checked. */
export function relaySettings(config: Record<string, unknown>, overrides: Partial<RelaySettings> = {}): RelaySettings {
  const relay = (isPlainObject(config.relay) ? config.relay : {}) as RelayConfig
  return {
    host: relay.host ?? '127.0.0.1',
    port: relay.port ?? 8787,
    database: relay.database ?? 'popin-bridge-relay.db',
    timeZone: relay.timeZone ?? 'UTC',
    allowMissingApiKey: relay.allowMissingApiKey ?? false,
    actionSource: relay.actionSource ?? 'chat',
    ...(relay.testEventCode ? { testEventCode: relay.testEventCode } : {}),
    endpoints: relay.endpoints ?? {},
    maxAttempts: relay.maxAttempts ?? 12,
    requestTimeoutMs: relay.requestTimeoutMs ?? 5000,
    retryBaseMs: relay.retryBaseMs ?? 1000,
    eventIdTemplate: typeof config.eventId === 'string' ? config.eventId : DEFAULTS.eventId,
    ...overrides,
  }
}
