import type { Backlog } from './store'

/** Every counter the relay keeps, with its HELP text. */
const COUNTERS = {
  popin_relay_received_total: 'Webhooks accepted with a valid body: stored, or recognised as duplicates.',
  popin_relay_duplicates_total: 'Webhooks already stored: acknowledged, not forwarded again.',
  popin_relay_held_total: 'Webhooks stored whose answer waited for forwarding to catch up (backpressure on the sender).',
  popin_relay_rejected_total: 'Webhooks refused, by reason.',
  popin_relay_forwarded_total: 'Deliveries the destination accepted.',
  popin_relay_retried_total: 'Failed deliveries scheduled for another attempt.',
  popin_relay_dead_lettered_total: 'Deliveries given up on: dead letters, which relay replay sends again.',
  popin_relay_browser_events_total: 'Browser events (one per occurrence and destination) posted to /e, by outcome: stored or duplicate.',
  popin_relay_browser_rejected_total: 'Requests to /e refused, by reason.',
} as const

export type Counter = keyof typeof COUNTERS

/** Why a webhook can be refused: each is shown, 0 until it happens. */
export const REJECTION_REASONS = ['auth', 'too_large', 'json', 'too_deep', 'no_event'] as const
export type RejectionReason = (typeof REJECTION_REASONS)[number]

/** Why a request to /e can be refused. */
export const BROWSER_REJECTION_REASONS = ['origin', 'rate_limited', 'too_large', 'json', 'bad_batch'] as const
export type BrowserRejectionReason = (typeof BROWSER_REJECTION_REASONS)[number]

const PER_DESTINATION: Counter[] = ['popin_relay_forwarded_total', 'popin_relay_retried_total', 'popin_relay_dead_lettered_total']

/**
 * Counters the relay exposes at GET /metrics, in Prometheus' text format. All are declared up
 * front (per active destination where they have one), so a scrape sees 0 rather than no series.
 */
export function createMetrics(destinations: readonly string[]) {
  // Counter → its label sets (as text, e.g. `{destination="ga4"}`) → value.
  const counters = new Map((Object.keys(COUNTERS) as Counter[]).map((name) => [name, new Map<string, number>()]))
  const declare = (name: Counter, labels?: Record<string, string>) => counters.get(name)!.set(labelText(labels), 0)
  declare('popin_relay_received_total')
  declare('popin_relay_duplicates_total')
  declare('popin_relay_held_total')
  for (const reason of REJECTION_REASONS) declare('popin_relay_rejected_total', { reason })
  for (const outcome of ['stored', 'duplicate']) declare('popin_relay_browser_events_total', { outcome })
  for (const reason of BROWSER_REJECTION_REASONS) declare('popin_relay_browser_rejected_total', { reason })
  for (const name of PER_DESTINATION) for (const destination of destinations) declare(name, { destination })

  return {
    inc(name: Counter, labels?: Record<string, string>, by = 1) {
      const series = counters.get(name)!
      const key = labelText(labels)
      series.set(key, (series.get(key) ?? 0) + by)
    },
    get: (name: Counter, labels?: Record<string, string>) => counters.get(name)!.get(labelText(labels)) ?? 0,
    /**
     * Counters, whether the database answered, then the outbox's rows pending and dead per
     * destination and the backlog: without `outbox` (the database gave none), those are left out
     * rather than shown as 0.
     */
    render(outbox?: Record<string, { pending?: number; dead?: number }>, backlog: Record<string, Backlog> = {}, now = Date.now()): string {
      const lines: string[] = []
      for (const [name, series] of counters) {
        lines.push(`# HELP ${name} ${COUNTERS[name]}`, `# TYPE ${name} counter`)
        for (const [labels, value] of [...series].sort()) lines.push(`${name}${labels} ${value}`)
      }
      lines.push('# HELP popin_relay_database_up Whether the database gave the outbox gauges below for this scrape (0: it failed or said nothing within a second).', '# TYPE popin_relay_database_up gauge', `popin_relay_database_up ${outbox ? 1 : 0}`)
      if (!outbox) return `${lines.join('\n')}\n`
      lines.push('# HELP popin_relay_outbox Outbox rows waiting to be sent (status pending, as popin_relay_backlog) or dead letters (status dead), by destination.', '# TYPE popin_relay_outbox gauge')
      for (const destination of [...new Set([...destinations, ...Object.keys(outbox)])].sort()) {
        for (const status of ['dead', 'pending'] as const) lines.push(`popin_relay_outbox${labelText({ destination, status })} ${outbox[destination]?.[status] ?? 0}`)
      }
      const waiting = [...new Set([...destinations, ...Object.keys(backlog)])].sort()
      lines.push('# HELP popin_relay_backlog Deliveries waiting to be sent, by destination.', '# TYPE popin_relay_backlog gauge')
      for (const destination of waiting) lines.push(`popin_relay_backlog${labelText({ destination })} ${backlog[destination]?.pending ?? 0}`)
      lines.push('# HELP popin_relay_backlog_oldest_seconds How long the oldest waiting delivery has waited, by destination.', '# TYPE popin_relay_backlog_oldest_seconds gauge')
      for (const destination of waiting) {
        const oldest = backlog[destination]?.oldestReceivedAt
        lines.push(`popin_relay_backlog_oldest_seconds${labelText({ destination })} ${oldest === undefined ? 0 : Math.max(0, (now - oldest) / 1000)}`)
      }
      return `${lines.join('\n')}\n`
    },
  }
}

function labelText(labels: Record<string, string> = {}): string {
  const text = Object.entries(labels).map(([k, v]) => `${k}="${v.replace(/["\\\n]/g, '_')}"`).join(',')
  return text ? `{${text}}` : ''
}

export type Metrics = ReturnType<typeof createMetrics>
