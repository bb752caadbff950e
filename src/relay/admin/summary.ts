import { isPlainObject } from '../../lib/is-plain-object'
import type { JsonObject, JsonValue } from '../../lib/json'
import { contactOf } from '../../privacy/contact'
import { matchKeys } from '../../privacy/match-keys'
import { applyPolicy, fieldClass, isClean } from '../../privacy/policy'
import type { InboxRow } from '../store'
import { sha256Hex } from '../sha256'
import { webhookEvent } from '../webhook'

/**
 * An inbox row as the admin shows it, personal data only as hashes: the fields the privacy
 * policy lets out (what GA4 could receive), the hashed match keys, and how many fields were kept out.
 */
export interface Summary {
  /** The event's name, or its hash when the name could be something personal. */
  event: string
  fields: [string, string][]
  /** How many fields the policy kept out (personal, or free text it cannot judge). */
  hidden: number
  /** Meta's match keys, each a SHA-256 hex of the normalised value. */
  keys: [string, string][]
  /** Popin's visitor id, when the row has one that passes as an id: a search link. */
  uid?: string
  /** A browser event's calls: destination call kind and name. */
  calls?: string[]
}

/** Names that are names (snake_case, camelCase, dotted), not sentences: "Ada Lovelace" is not one. */
const NAME = /^[A-Za-z][\w.:-]{0,79}$/
const FIELD = /^[a-z][a-z0-9_]{0,39}$/i

export const shownName = (name: string) => (NAME.test(name) ? name : `(hidden, sha256 ${sha256Hex(name).slice(0, 12)})`)

export function summarize(row: InboxRow, timeZone: string): Summary {
  let body: unknown
  try {
    body = JSON.parse(row.body)
  } catch {
    body = {}
  }
  const data = (isPlainObject(body) ? body : {}) as JsonObject
  return row.source === 'browser' ? browserSummary(row, data) : webhookSummary(row, data, timeZone)
}

function webhookSummary(row: InboxRow, body: JsonObject, timeZone: string): Summary {
  const { data } = webhookEvent({ ...body, event: row.event }, timeZone)
  const fields: [string, string][] = []
  let hidden = 0
  for (const key of Object.keys(data).sort()) {
    if (key === 'event') continue
    const value = FIELD.test(key) ? applyPolicy(data[key] as JsonValue, fieldClass(key), 'omit', sha256Hex) : undefined
    if (value === undefined) hidden++
    else fields.push([key, show(value)])
  }
  const uid = data.user_id
  return {
    event: shownName(row.event),
    fields,
    hidden,
    keys: Object.entries(matchKeys(contactOf(data), sha256Hex)) as [string, string][],
    ...((typeof uid === 'string' || typeof uid === 'number') && isClean(uid, 'id') ? { uid: String(uid) } : {}),
  }
}

/** What `POST /e` stored: checked when it arrived (the URL, the uid, hashes only as match keys). */
function browserSummary(row: InboxRow, body: JsonObject): Summary {
  const fields: [string, string][] = []
  for (const key of ['destination', 'url', 'id'] as const) if (typeof body[key] === 'string') fields.push([key, body[key] as string])
  const calls = (Array.isArray(body.calls) ? body.calls : []).filter(isPlainObject) as JsonObject[]
  const keys = new Map<string, string>()
  for (const call of calls) if (isPlainObject(call.matchKeys)) for (const [key, hash] of Object.entries(call.matchKeys)) if (typeof hash === 'string' && /^[0-9a-f]{64}$/.test(hash)) keys.set(key, hash)
  return {
    event: shownName(row.event),
    fields,
    hidden: 0,
    keys: [...keys],
    ...(typeof body.uid === 'string' ? { uid: body.uid } : {}),
    calls: calls.map((call) => `${String(call.call)} ${typeof call.name === 'string' && isClean(call.name, 'label') ? call.name : '(hidden)'}`),
  }
}

const show = (value: JsonValue) => (typeof value === 'string' ? value : JSON.stringify(value))
