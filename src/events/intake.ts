import { safePayload } from '../lib/safe-copy'
import type { JsonObject } from '../lib/json'
import { canonicalEventName, isKnownEvent } from './catalog'

/** A Popin call after intake: a safe copy, classified. */
export interface PopinEvent {
  /** The catalog name (aliases folded), or the name as received for unknown events. */
  name: string
  /** As Popin called it. */
  receivedName: string
  kind: 'known' | 'screen' | 'unknown' | 'webhook'
  /** The screen id of a screen-navigation event. */
  screen?: string
  data: JsonObject
  /** How many events of this name the bridge has seen before, from 0. */
  seq: number
}

const MAX_NAME_LENGTH = 100
/** Distinct event names counted for `{{seq}}`; a hostile page cannot grow the map further. */
const MAX_COUNTED_NAMES = 500

/**
 * Turns whatever `popinEvent` was called with into a safe, classified event, or null when there
 * is no event name. A payload with a string `screen` is a screen-navigation event, whatever its
 * name: Popin has not published that event's name.
 */
export function toPopinEvent(name: unknown, data: unknown, seen: Map<string, number>): PopinEvent | null {
  if (typeof name !== 'string') return null
  const receivedName = name.trim().slice(0, MAX_NAME_LENGTH)
  if (!receivedName) return null
  const payload = safePayload(data)
  const canonical = canonicalEventName(receivedName)
  const screen = typeof payload.screen === 'string' && payload.screen !== '' ? payload.screen : undefined
  const seq = seen.get(canonical) ?? 0
  if (seen.has(canonical) || seen.size < MAX_COUNTED_NAMES) seen.set(canonical, seq + 1)
  return {
    name: canonical,
    receivedName,
    kind: screen !== undefined ? 'screen' : isKnownEvent(canonical) ? 'known' : 'unknown',
    ...(screen !== undefined ? { screen } : {}),
    data: payload,
    seq,
  }
}
