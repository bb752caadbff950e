import type { DeliveryRow, InboxRow, Source } from './store'

// Rows of the admin's queries, shared by both engines.
/** Lookup keys as one text, each between spaces, so that a search finds a whole key. */
export const lookupText = (lookups: readonly string[] = []) => (lookups.length ? ` ${lookups.join(' ')} ` : '')

/** An outbox row as both engines read it. */
export interface DeliveryRecord {
  id: number | string
  key: string
  destination: string
  seq: number
  status: DeliveryRow['status']
  attempts: number
  last_error: string | null
  response: string | null
  updated_at: number | string
}

export interface InboxRecord {
  key: string
  event: string
  body: string
  source: Source
  received_at: number | string
}

export const deliveryRow = (r: DeliveryRecord): { key: string; row: DeliveryRow } => ({
  key: r.key,
  row: { id: Number(r.id), destination: r.destination, seq: r.seq, status: r.status, attempts: r.attempts, lastError: r.last_error, response: r.response, updatedAt: Number(r.updated_at) },
})

/** Inbox rows with their deliveries attached. */
export function withDeliveries(rows: InboxRecord[], deliveries: { key: string; row: DeliveryRow }[]): InboxRow[] {
  return rows.map((r) => ({ key: r.key, event: r.event, body: r.body, source: r.source, receivedAt: Number(r.received_at), deliveries: deliveries.filter((d) => d.key === r.key).map((d) => d.row) }))
}
