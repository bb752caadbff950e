import type { Call } from '../adapter'
import type { Problem } from '../config/problems'
import type { TracedDestination, TraceRecord } from '../trace'

/** What one destination got for one event, or why it got nothing (yet). */
export type Outcome =
  | { kind: 'sent'; call?: Call; vendor: string[] }
  | { kind: 'skipped'; reason: string }
  | { kind: 'waiting'; reason: string }
  | { kind: 'dropped'; fields: string[] }

/** One Popin event, and per destination what became of it, in the order the bridge said. */
export interface EventRow {
  kind: 'event'
  id: string
  event: string
  outcomes: Map<string, Outcome[]>
}

/** A bridge (re)started: the timeline after it runs on its config. */
export interface StartRow {
  kind: 'start'
  problems: readonly Problem[]
}

export interface Destination extends TracedDestination {
  /** Off until a config problem is fixed: the problems about it. */
  problems: Problem[]
  /** Found on the page, or loaded by the bridge; undefined while it is looked for. */
  ready?: 'found' | 'loaded'
  /** The vendor's own calls: its set-up and consent signals. */
  own: string[]
}

export interface Timeline {
  destinations: Destination[]
  problems: readonly Problem[]
  rows: (EventRow | StartRow)[]
}

/** What the bridge does about a problem, by its path (src/plan/compile.ts). */
export function consequence(problem: Problem): string {
  if (problem.path === 'config') return 'nothing runs until it is fixed'
  const [top, name] = problem.path.split('.')
  if (top === 'destinations' && name !== undefined) {
    return isUnknownDestination(problem) ? 'this section is ignored' : `${name} is off until it is fixed; the other destinations run`
  }
  return 'the default is used instead'
}

const isUnknownDestination = (problem: Problem) => problem.path.split('.').length === 2 && problem.message.startsWith('unknown destination')

/** A config problem inside a destination's section switches that destination off. */
function disabledBy(problems: readonly Problem[]): Map<string, Problem[]> {
  const off = new Map<string, Problem[]>()
  for (const problem of problems) {
    const [top, name] = problem.path.split('.')
    if (top !== 'destinations' || name === undefined || isUnknownDestination(problem)) continue
    off.set(name, [...(off.get(name) ?? []), problem])
  }
  return off
}

/** The trace (window.popinBridgeTrace) as a timeline: rows of events, destinations with their state. */
export function timeline(records: readonly TraceRecord[]): Timeline {
  let destinations: Destination[] = []
  let problems: readonly Problem[] = []
  const rows: (EventRow | StartRow)[] = []
  const byId = new Map<string, EventRow>()
  // A destination the start record named, or one seen first in a record (the start fell out of the bounded trace).
  const destination = (name: string) => {
    let found = destinations.find((d) => d.name === name)
    if (!found) destinations.push((found = { name, label: name, vendorGlobal: '', problems: [], own: [] }))
    return found
  }

  for (const record of records) {
    if (record.type === 'start') {
      problems = record.problems
      const off = disabledBy(problems)
      destinations = [
        ...record.destinations.map(({ name, label, vendorGlobal }) => ({ name, label, vendorGlobal, problems: [], own: [] })),
        ...[...off].map(([name, about]) => ({ name, label: name, vendorGlobal: '', problems: about, own: [] })),
      ]
      rows.push({ kind: 'start', problems })
      byId.clear()
      continue
    }
    const d = destination(record.destination)
    if (record.type === 'ready') {
      d.ready = record.loaded ? 'loaded' : 'found'
      continue
    }
    if (record.id === undefined) {
      // The vendor's own set-up and consent calls.
      if (record.type === 'sent') d.own.push(record.text)
      continue
    }
    let row = byId.get(record.id)
    if (!row) {
      row = { kind: 'event', id: record.id, event: record.event, outcomes: new Map() }
      byId.set(record.id, row)
      rows.push(row)
    }
    const outcomes = row.outcomes.get(record.destination) ?? []
    // A call that waited is now sent or dropped: the wait is over.
    const settled = record.type === 'waiting' ? outcomes : outcomes.filter((o) => o.kind !== 'waiting')
    const last = settled[settled.length - 1]
    // One call can take several vendor calls (GTM's dataLayer is cleared first): one outcome.
    if (record.type === 'sent' && last?.kind === 'sent' && last.call !== undefined && last.call === record.call) last.vendor.push(record.text)
    else settled.push(outcomeOf(record))
    row.outcomes.set(record.destination, settled)
  }
  return { destinations, problems, rows }
}

function outcomeOf(record: Extract<TraceRecord, { text: string }>): Outcome {
  if (record.type === 'sent') return { kind: 'sent', call: record.call, vendor: [record.text] }
  if (record.type === 'dropped') return { kind: 'dropped', fields: record.fields }
  // The bridge writes "not sent (why)" and "queued, waiting for what".
  if (record.type === 'skipped') return { kind: 'skipped', reason: record.text.replace(/^not sent \((.*)\)$/s, '$1') }
  return { kind: 'waiting', reason: record.text.replace(/^queued, /, '') }
}
