import { TRACE_BUFFER, type TraceRecord } from '../trace'
import { h } from './h'
import { renderTimeline } from './render'
import { STYLES } from './styles'
import { timeline } from './timeline'

export interface View {
  /** The element holding everything, inside the shadow root. */
  root: HTMLElement
  /** Stops following the trace. */
  stop(): void
}

/**
 * The timeline of `window.popinBridgeTrace` in a shadow root of `host`, kept up to date as the
 * bridge adds records (it wraps the buffer's `push`, as GTM does with the dataLayer). `chrome`
 * adds what surrounds the body (the overlay's title bar); the filter lists each destination.
 */
export function showTrace(host: HTMLElement, chrome: (root: HTMLElement, tools: HTMLElement) => void = () => undefined): View {
  const doc = host.ownerDocument
  const win = doc.defaultView as unknown as Record<string, any>
  const shadow = host.shadowRoot ?? host.attachShadow({ mode: 'open' })
  shadow.replaceChildren()
  const style = h(doc, 'style', {}, STYLES)
  const root = h(doc, 'div', { class: 'root' })
  const select = h(doc, 'select', { 'aria-label': 'Show destination' }) as HTMLSelectElement
  const tools = h(doc, 'div', { class: 'tools' }, h(doc, 'label', {}, 'Show'), select)
  const body = h(doc, 'div', { class: 'body' })
  root.append(tools, body)
  chrome(root, tools)
  shadow.append(style, root)

  const buffer: TraceRecord[] = Array.isArray(win[TRACE_BUFFER]) ? win[TRACE_BUFFER] : (win[TRACE_BUFFER] = [])
  let scheduled = false
  let stopped = false
  const draw = () => {
    scheduled = false
    if (stopped) return
    const model = timeline(buffer)
    const filter = select.value || undefined
    const names = model.destinations.map((d) => d.name)
    const options = [['', 'all destinations'], ...model.destinations.map((d) => [d.name, d.label])]
    if (select.options.length !== options.length || options.some(([value], i) => select.options[i]?.value !== value)) {
      select.replaceChildren(...options.map(([value, text]) => h(doc, 'option', { value }, text as string)))
      select.value = filter && names.includes(filter) ? filter : ''
    }
    const atBottom = body.scrollHeight - body.scrollTop - body.clientHeight < 24
    const open = [...body.querySelectorAll<HTMLElement>('details[open]')].map((details) => details.dataset.key)
    body.replaceChildren(...renderTimeline(doc, model, { filter: select.value || undefined, window: win }))
    for (const details of body.querySelectorAll<HTMLDetailsElement>('details[data-key]')) if (open.includes(details.dataset.key)) details.open = true
    if (atBottom) body.scrollTop = body.scrollHeight
  }
  const schedule = () => {
    if (scheduled || stopped) return
    scheduled = true
    setTimeout(draw, 30)
  }
  select.addEventListener('change', draw)

  const push = buffer.push
  const watching = function (this: TraceRecord[], ...records: TraceRecord[]) {
    schedule()
    return push.apply(this, records)
  }
  buffer.push = watching
  draw()
  return {
    root,
    stop() {
      stopped = true
      // Put the buffer's push back unless someone wrapped it since: a reopened view wraps it again.
      if (buffer.push === watching) buffer.push = push
    },
  }
}
