import type { JsonValue } from '../lib/json'
import { h } from './h'
import { consequence, type Destination, type EventRow, type Outcome, type Timeline } from './timeline'

export interface RenderOptions {
  /** Only this destination's outcomes, or every destination's. */
  filter?: string
  /** Read to say whether a vendor that is not ready is on the page at all. */
  window: Record<string, unknown>
}

/** The timeline for people: config problems, each destination's state, then one row per Popin event. */
export function renderTimeline(doc: Document, model: Timeline, options: RenderOptions): HTMLElement[] {
  const shown = model.destinations.filter((d) => !options.filter || d.name === options.filter)
  // The first start is the page's; a later one is a new config (PopinBridge.init).
  const rows = model.rows.filter((row, i) => i > 0 || row.kind === 'event').map((row) => (row.kind === 'event' ? eventRow(doc, row, shown) : h(doc, 'li', { class: 'restart' }, 'The bridge restarted with a new config; its state is above.')))
  return [
    problemsList(doc, model),
    h(doc, 'ul', { class: 'destinations', 'aria-label': 'Destinations' }, ...shown.map((d) => destinationState(doc, d, options.window))),
    rows.length ? h(doc, 'ol', { class: 'timeline', 'aria-label': 'Popin events, newest last' }, ...rows) : h(doc, 'p', { class: 'empty' }, 'No Popin event yet.'),
  ]
}

function problemsList(doc: Document, model: Timeline): HTMLElement {
  if (!model.problems.length) return h(doc, 'p', { class: 'problems ok' }, '✓ The config is valid.')
  return h(
    doc,
    'div',
    { class: 'problems', role: 'alert' },
    h(doc, 'p', {}, `The config has ${model.problems.length} problem${model.problems.length > 1 ? 's' : ''}:`),
    h(doc, 'ul', {}, ...model.problems.map((p) => h(doc, 'li', {}, h(doc, 'code', {}, p.path), ` ${p.message}: `, h(doc, 'em', {}, consequence(p))))),
  )
}

function destinationState(doc: Document, d: Destination, win: Record<string, unknown>): HTMLElement {
  let state: string
  let detail: string
  if (d.problems.length) {
    state = 'disabled'
    detail = `off: a config problem at ${d.problems.map((p) => p.path).join(', ')}`
  } else if (d.ready) {
    state = 'ready'
    detail = d.ready === 'loaded' ? `${d.vendorGlobal} loaded by the bridge` : `${d.vendorGlobal} found on the page`
  } else {
    state = 'waiting'
    detail = win[d.vendorGlobal] === undefined ? `no ${d.vendorGlobal} on the page: events wait for it, then are dropped` : `waiting for ${d.vendorGlobal}`
  }
  return h(
    doc,
    'li',
    { class: `destination ${state}`, 'data-destination': d.name, 'data-state': state },
    h(doc, 'strong', {}, d.label),
    ` ${detail}`,
    d.own.length ? h(doc, 'details', { 'data-key': `own/${d.name}` }, h(doc, 'summary', {}, `${d.own.length} set-up and consent call${d.own.length > 1 ? 's' : ''}`), ...d.own.map((text) => h(doc, 'code', { class: 'vendor' }, text))) : undefined,
  )
}

function eventRow(doc: Document, row: EventRow, destinations: Destination[]): HTMLElement {
  return h(
    doc,
    'li',
    { class: 'row', 'data-event': row.event, 'data-id': row.id },
    h(doc, 'div', { class: 'event' }, h(doc, 'strong', {}, row.event), ' ', h(doc, 'span', { class: 'id', title: 'event id, the same at every destination' }, row.id)),
    h(doc, 'ul', { class: 'outcomes' }, ...destinations.map((d) => destinationOutcomes(doc, d, row.outcomes.get(d.name) ?? [], `${row.id}/${d.name}`))),
  )
}

function destinationOutcomes(doc: Document, d: Destination, outcomes: Outcome[], key: string): HTMLElement {
  const parts = d.problems.length
    ? [outcome(doc, 'disabled', 'Disabled', `a config problem at ${d.problems.map((p) => `${p.path} (${p.message})`).join(', ')}`)]
    : outcomes.length
      ? outcomes.map((o, i) => describeOutcome(doc, o, `${key}/${i}`))
      : [outcome(doc, 'waiting', 'Nothing yet', 'still being prepared (hashing)')]
  return h(doc, 'li', { class: 'destination-outcome', 'data-destination': d.name }, h(doc, 'span', { class: 'to' }, d.label), h(doc, 'div', { class: 'what' }, ...parts))
}

/** `key` names its folded vendor calls, so that a redraw keeps them open. */
function describeOutcome(doc: Document, o: Outcome, key: string): HTMLElement {
  if (o.kind === 'skipped') return outcome(doc, 'skipped', 'Not sent', o.reason)
  if (o.kind === 'waiting') return outcome(doc, 'waiting', 'Waiting', o.reason)
  if (o.kind === 'dropped') return outcome(doc, 'dropped', 'Privacy policy', `kept out ${o.fields.join(', ')}`)
  const call = o.call
  return h(
    doc,
    'div',
    { class: 'outcome sent', 'data-outcome': 'sent' },
    h(doc, 'span', { class: 'label' }, 'Sent'),
    ' ',
    // An identify call has no name of its own (it carries the event's): its kind says more.
    call ? h(doc, 'strong', { class: 'name' }, call.call === 'identify' ? 'identify' : call.name) : undefined,
    call && Object.keys(call.params).length ? paramsTable(doc, call.params) : undefined,
    h(doc, 'details', { class: 'vendor', 'data-key': key }, h(doc, 'summary', {}, o.vendor.length > 1 ? `${o.vendor.length} vendor calls` : 'vendor call'), ...o.vendor.map((text) => h(doc, 'code', {}, text))),
  )
}

function outcome(doc: Document, kind: string, label: string, text: string): HTMLElement {
  return h(doc, 'div', { class: `outcome ${kind}`, 'data-outcome': kind }, h(doc, 'span', { class: 'label' }, label), ' ', text)
}

function paramsTable(doc: Document, params: Record<string, JsonValue>): HTMLElement {
  return h(
    doc,
    'table',
    { class: 'params' },
    h(doc, 'tbody', {}, ...Object.keys(params).map((key) => h(doc, 'tr', {}, h(doc, 'th', { scope: 'row' }, key), h(doc, 'td', {}, show(params[key] as JsonValue))))),
  )
}

const show = (value: JsonValue) => (typeof value === 'string' ? value : JSON.stringify(value))
