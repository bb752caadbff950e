import * as v from 'valibot'
import { describe } from '../lib/describe'
import { object, trueOrFalse } from '../config/schema'
import { integer, nonEmpty, oneOf, text } from '../config/text'
import { isTimeZone } from '../lib/is-time-zone'

export const ACTION_SOURCES = ['chat', 'phone_call', 'website', 'email', 'app', 'physical_store', 'system_generated', 'business_messaging', 'other'] as const

/** Current IANA names that ICU still lists under an older one (Asia/Calcutta), plus UTC. */
const MODERN_ZONE_NAMES = ['UTC', 'Etc/UTC', 'GMT', 'Asia/Kolkata', 'Asia/Kathmandu', 'Asia/Yangon', 'Asia/Ho_Chi_Minh', 'Europe/Kyiv', 'America/Nuuk', 'Pacific/Kanton', 'Atlantic/Faroe', 'America/Argentina/Buenos_Aires', 'America/Indiana/Indianapolis', 'America/Kentucky/Louisville', 'Pacific/Chuuk', 'Pacific/Pohnpei', 'Africa/Asmara']

/** Every zone this Node.js knows, as a list the JSON Schema can hold (editors autocomplete it). */
export const timeZones = () => [...new Set([...MODERN_ZONE_NAMES, ...(Intl as unknown as { supportedValuesOf(key: 'timeZone'): string[] }).supportedValuesOf('timeZone')])].filter(isTimeZone)


/** Holds a PostgreSQL URL, so that its password stays out of the config file. */
export const DATABASE_URL_ENV = 'POPIN_BRIDGE_DATABASE_URL'

const url = text(/^https?:\/\/[^\s]+$/, 'must be an http(s) URL')

const destinationLimits = object({
  concurrency: v.optional(describe(integer(1, 1024), 'Requests in flight at once (each may carry a batch of events). Default 16; GA4 512, since it takes one visitor per request')),
  requestsPerSecond: v.optional(
    describe(v.pipe(v.number('must be a number from 0.01 to 10000'), v.minValue(0.01, 'must be a number from 0.01 to 10000'), v.maxValue(10_000, 'must be a number from 0.01 to 10000')), 'Most requests started a second, evenly spaced. Default no limit'),
  ),
})

export interface DestinationLimits {
  concurrency?: number
  requestsPerSecond?: number
}

/** The `relay` section: how the webhook relay listens, stores and forwards. Browsers ignore it. */
export function relaySchema(serverDestinations: readonly string[]) {
  const optional = v.optional
  return object({
    host: optional(describe(nonEmpty(), 'Default 127.0.0.1')),
    port: optional(describe(integer(0, 65535), 'Default 8787')),
    database: optional(describe(nonEmpty(), `SQLite file, or a postgres:// URL for several instances on one PostgreSQL database (${DATABASE_URL_ENV} replaces it). Default popin-bridge-relay.db in the working directory`)),
    timeZone: optional(describe(v.picklist(timeZones(), 'must be an IANA time zone such as "Asia/Kolkata"'), "IANA zone of Popin's dates and times without an offset. Default UTC")),
    allowMissingApiKey: optional(describe(trueOrFalse(), 'Accept webhooks without an API key (Popin\'s "." setting). Default false')),
    actionSource: optional(describe(oneOf(ACTION_SOURCES), 'Meta action_source. Default chat')),
    testEventCode: optional(describe(nonEmpty(), 'Meta test_event_code (Events Manager > Test Events)')),
    endpoints: optional(describe(object(Object.fromEntries(serverDestinations.map((name) => [name, optional(url)])), 'destination'), 'Base URL of each vendor API, e.g. a proxy')),
    maxAttempts: optional(describe(integer(1, 50), 'Attempts before a delivery is dead-lettered. Default 12')),
    requestTimeoutMs: optional(describe(integer(100, 60_000), 'Timeout of one request to a vendor. Default 5000')),
    retryBaseMs: optional(describe(integer(10, 600_000), 'First retry delay; each further one doubles, with full jitter, up to an hour. Default 1000')),
    leaseMs: optional(describe(integer(1000, 3_600_000), 'PostgreSQL: how long a claimed delivery is held before another instance may send it (an instance that dies holding it). Longer than requestTimeoutMs. Default 30000')),
    retentionDays: optional(describe(integer(1, 365), 'Delivered rows and idempotency keys are deleted after this many days; a webhook delivered again later is stored again. Default 7')),
    readyBacklogAgeMs: optional(describe(integer(1000, 86_400_000), 'GET /readyz answers 503 when a delivery has waited longer than this. Default 900000 (15 minutes)')),
    limits: optional(
      describe(
        object(Object.fromEntries(serverDestinations.map((name) => [name, optional(destinationLimits)])), 'destination'),
        "Per destination: requests in flight at once, and most requests a second (what the vendor's quota allows)",
      ),
    ),
    allowedOrigins: optional(describe(v.pipe(v.array(text(/^https?:\/\/[^/\s?#]+$/, 'must be an origin such as "https://shop.example"')), v.maxLength(100, 'at most 100 origins')), 'Exact origins of the pages that may post to POST /e (CORS). Default none: the route refuses every browser')),
    trustProxy: optional(describe(trueOrFalse(), "Read the browser's IP from the last X-Forwarded-For address (set it only behind your own proxy). Default false")),
    browserRequestsPerMinute: optional(describe(integer(1, 100_000), 'Requests to POST /e per client IP and minute, per instance; more get 429. Default 120')),
    visitRetentionDays: optional(describe(integer(1, 400), "How long a visitor's match keys are kept to stitch later webhooks to the visit. Default 30")),
    validateGa4: optional(describe(trueOrFalse(), "Also send each GA4 request to the Measurement Protocol's validation endpoint (/debug/mp/collect) and show its validationMessages in the admin pages. Default false")),
  })
}

export type RelayConfig = v.InferInput<ReturnType<typeof relaySchema>>

/** The relay's settings, defaults applied. */
export interface RelaySettings {
  host: string
  port: number
  database: string
  timeZone: string
  allowMissingApiKey: boolean
  actionSource: string
  testEventCode?: string
  endpoints: Record<string, string>
  maxAttempts: number
  requestTimeoutMs: number
  retryBaseMs: number
  leaseMs: number
  retentionDays: number
  readyBacklogAgeMs: number
  /** Per destination: `concurrency` replaces the sender's default; `requestsPerSecond` paces requests. */
  limits: Record<string, DestinationLimits>
  /** Origins whose pages may post to `POST /e`. */
  allowedOrigins: string[]
  trustProxy: boolean
  browserRequestsPerMinute: number
  visitRetentionDays: number
  validateGa4: boolean
}

/** The relay's settings with defaults, from a config already checked; the environment's database URL replaces the config's. */
export function relaySettings(relay: RelayConfig | undefined, overrides: Partial<RelaySettings> = {}, env: Record<string, string | undefined> = {}): RelaySettings {
  return {
    host: relay?.host ?? '127.0.0.1',
    port: relay?.port ?? 8787,
    database: env[DATABASE_URL_ENV] || (relay?.database ?? 'popin-bridge-relay.db'),
    timeZone: relay?.timeZone ?? 'UTC',
    allowMissingApiKey: relay?.allowMissingApiKey ?? false,
    actionSource: relay?.actionSource ?? 'chat',
    ...(relay?.testEventCode ? { testEventCode: relay.testEventCode } : {}),
    endpoints: (relay?.endpoints ?? {}) as Record<string, string>,
    maxAttempts: relay?.maxAttempts ?? 12,
    requestTimeoutMs: relay?.requestTimeoutMs ?? 5000,
    retryBaseMs: relay?.retryBaseMs ?? 1000,
    leaseMs: relay?.leaseMs ?? 30_000,
    retentionDays: relay?.retentionDays ?? 7,
    readyBacklogAgeMs: relay?.readyBacklogAgeMs ?? 15 * 60_000,
    limits: (relay?.limits ?? {}) as Record<string, DestinationLimits>,
    allowedOrigins: relay?.allowedOrigins ?? [],
    trustProxy: relay?.trustProxy ?? false,
    browserRequestsPerMinute: relay?.browserRequestsPerMinute ?? 120,
    visitRetentionDays: relay?.visitRetentionDays ?? 30,
    validateGa4: relay?.validateGa4 ?? false,
    ...overrides,
  }
}
