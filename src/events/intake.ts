import { cutText } from '../lib/cut-text'
import { safePayload } from '../lib/safe-copy'
import type { JsonObject } from '../lib/json'
import { CONTEXT } from '../lib/tag-features'
import { canonicalEventName, isKnownEvent } from './catalog'

/** A Popin call after intake: a safe copy, classified. */
export interface PopinEvent {
  /** The catalog name (aliases folded), or the name as received for unknown events. */
  name: string
  kind: 'known' | 'screen' | 'unknown' | 'webhook'
  /** The screen id of a screen-navigation event. */
  screen?: string
  data: JsonObject
}

const MAX_NAME_LENGTH = 100

/**
 * Turns whatever `popinEvent` was called with into a safe, classified event, or null when there
 * is no event name. A payload with a string `screen` is a screen-navigation event, whatever its
 * name: Popin has not published that event's name.
 */
export function toPopinEvent(name: unknown, data: unknown): PopinEvent | null {
  if (typeof name !== 'string') return null
  const received = cutText(name.trim(), MAX_NAME_LENGTH)
  if (!received) return null
  const payload = safePayload(data)
  const canonical = canonicalEventName(received)
  const screen = typeof payload.screen === 'string' && payload.screen !== '' ? payload.screen : undefined
  return {
    name: canonical,
    // Known or unknown: without CONTEXT a compiled tag carries no list of the catalog's events for it.
    kind: screen !== undefined ? 'screen' : CONTEXT && isKnownEvent(canonical) ? 'known' : 'unknown',
    ...(screen !== undefined ? { screen } : {}),
    data: payload,
  }
}
