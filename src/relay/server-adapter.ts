import type { Adapter } from '../adapter'
import type { DestinationConfig, MappedCall, RuleSet } from '../mapping/types'

/** An HTTP request as the outbox stores it: no secret in it, ever. */
export interface StoredRequest {
  url: string
  headers: Record<string, string>
  body: unknown
}

export interface ServerContext {
  settings: DestinationConfig
  relay: RelaySettings
  /** When the event happened (Popin's `timestamp`, else when the relay received it). */
  eventTime: Date
  /** The webhook's idempotency key and the call's place among its calls: stable across retries. */
  idempotencyKey: string
  index: number
}

/** The relay's side of a destination: it builds requests for that vendor's server API. */
export interface ServerAdapter {
  /** The browser adapter it shares its config section, rules and vendor limits with. */
  browser: Adapter
  /** The `popin-default` rules for Popin's webhooks (the section `webhooks` of the destination). */
  webhookPreset: Record<string, RuleSet>
  /** Secret name → the environment variable that holds it. */
  secrets: Record<string, string>
  /** Base URL of the vendor API (overridable with `relay.endpoints.<name>`). */
  endpoint: string
  /** Events older than this are refused by the vendor: dead-lettered instead of retried. */
  maxAgeMs?: number
  /** Why this destination cannot run (missing id or secret), or undefined when it can. */
  misconfigured?(settings: DestinationConfig, secrets: Record<string, string | undefined>): string | undefined
  request(call: MappedCall, context: ServerContext): StoredRequest
  /** Adds the secrets to a stored request, just before it is sent. */
  authorize(request: StoredRequest, secrets: Record<string, string>): StoredRequest
  /** For a 4xx other than 408 and 429: whether the vendor says to try again (e.g. throttling). */
  retryable?(status: number, body: string): boolean
}

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
  eventIdTemplate: string
}

/** The browser adapter with the webhook rules added to its preset: what the relay maps with. */
export function withWebhookPreset(server: ServerAdapter): Adapter {
  return { ...server.browser, preset: { ...server.browser.preset, webhooks: server.webhookPreset } }
}
