import { h } from './h'
import { showTrace } from './view'

/** The overlay's host element: a name of its own, so that page rules for `div` never match it. */
export const OVERLAY_TAG = 'popin-bridge-debugger'

/**
 * Opens the debugger over the page, once the body exists (once; a second call focuses it): the
 * timeline in a shadow root, a dialog the keyboard reaches first, closed with Escape or its
 * button, focus given back. Never throws: the debugger must not break the page it looks at.
 */
export function openOverlay(win: Window): void {
  const doc = win.document
  if (!doc.body) return doc.addEventListener('DOMContentLoaded', () => openOverlay(win), { once: true })
  try {
    open(win, doc)
  } catch {
    // Debug mode's console lines remain.
  }
}

function open(win: Window, doc: Document): void {
  const existing = doc.querySelector(OVERLAY_TAG)
  if (existing) return (existing.shadowRoot?.querySelector('.overlay') as HTMLElement | null)?.focus()
  const host = doc.createElement(OVERLAY_TAG)
  // Inline, so that page rules for the host lose; its box is the overlay's own.
  host.setAttribute('style', 'all: initial; position: static; display: block;')
  const before = doc.activeElement as HTMLElement | null
  let view: ReturnType<typeof showTrace> | undefined
  const close = () => {
    win.removeEventListener('keydown', onKey, true)
    view?.stop()
    host.remove()
    before?.focus?.()
  }
  const onKey = (event: KeyboardEvent) => {
    if (event.key === 'Escape') close()
  }
  view = showTrace(host, (root, tools) => {
    root.classList.add('overlay')
    root.setAttribute('role', 'dialog')
    root.setAttribute('aria-label', 'popin-bridge debugger')
    root.tabIndex = -1
    const button = h(doc, 'button', { type: 'button', class: 'close', 'aria-label': 'Close the debugger (Escape)', title: 'Close (Escape)' }, '×')
    button.addEventListener('click', close)
    root.insertBefore(h(doc, 'div', { class: 'bar' }, h(doc, 'h2', {}, 'popin-bridge: what happened'), button), tools)
  })
  ;(doc.body ?? doc.documentElement).append(host)
  win.addEventListener('keydown', onKey, true)
  view.root.focus()
}
