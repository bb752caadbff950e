/** Counters the relay exposes at GET /metrics, in Prometheus' text format. */
export function createMetrics() {
  const counters = new Map<string, number>()
  const key = (name: string, labels: Record<string, string> = {}) => {
    const text = Object.entries(labels).map(([k, v]) => `${k}="${v.replace(/["\\\n]/g, '_')}"`).join(',')
    return text ? `${name}{${text}}` : name
  }
  return {
    inc(name: string, labels?: Record<string, string>) {
      const k = key(name, labels)
      counters.set(k, (counters.get(k) ?? 0) + 1)
    },
    get: (name: string, labels?: Record<string, string>) => counters.get(key(name, labels)) ?? 0,
    /** Counters, then the outbox's current state per destination and status. */
    render(outbox: Record<string, Record<string, number>>): string {
      const lines: string[] = []
      const typed = new Set<string>()
      const type = (name: string, kind: string) => {
        if (!typed.has(name)) lines.push(`# TYPE ${name} ${kind}`)
        typed.add(name)
      }
      for (const [k, value] of [...counters].sort()) {
        type(k.split('{')[0] as string, 'counter')
        lines.push(`${k} ${value}`)
      }
      type('popin_relay_outbox', 'gauge')
      for (const [destination, statuses] of Object.entries(outbox)) {
        for (const [status, n] of Object.entries(statuses)) lines.push(`${key('popin_relay_outbox', { destination, status })} ${n}`)
      }
      return `${lines.join('\n')}\n`
    },
  }
}

export type Metrics = ReturnType<typeof createMetrics>
