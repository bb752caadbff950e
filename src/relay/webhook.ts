import { isPlainObject } from '../lib/is-plain-object'
import type { JsonObject } from '../lib/json'
import { safePayload } from '../lib/safe-copy'
import type { PopinEvent } from '../events/intake'
import { timedKey } from './keys'
import { parsePopinDateTime, parsePopinTimestamp } from './popin-time'
import { sha256Hex } from './sha256'

/**
 * The same webhook, delivered again, has the same key: its `timestamp` and the SHA-256 of its JSON
 * with keys sorted (src/relay/keys.ts). Popin sends no delivery id, so two genuinely distinct but
 * identical deliveries are one. A time without a zone is read as UTC here, whatever
 * relay.timeZone says: the key must not change with the settings, and only its order matters.
 */
export function idempotencyKey(body: unknown): string {
  const stated = isPlainObject(body) ? parsePopinTimestamp(body.timestamp, 'UTC') : null
  return timedKey(stated?.getTime(), sha256Hex(canonicalJson(body)))
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`
  if (isPlainObject(value)) {
    return `{${Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson(value[key])}`)
      .join(',')}}`
  }
  return JSON.stringify(value) ?? 'null'
}

/**
 * A webhook as the plan sees it: `properties` and the top-level fields side by side (top level
 * wins), and `scheduled_at` as an ISO instant when Popin's date and time parse.
 */
export function webhookEvent(body: JsonObject, timeZone: string): PopinEvent {
  const { properties, ...top } = body
  // Object.assign, not two spreads: V8 adds the second object's keys to the first's copy one slow
  // step each (3.5 µs a webhook). Safe copies hold no `__proto__` key for assign to set.
  const data: JsonObject = Object.assign({}, isPlainObject(properties) ? safePayload(properties) : {}, safePayload(top))
  const at = parsePopinDateTime(data.scheduled_date, data.scheduled_time, timeZone)
  if (at) data.scheduled_at = at.toISOString()
  const name = String(body.event).slice(0, 100)
  return { name, kind: 'webhook', data }
}
