/**
 * dist/popin-bridge.debugger.js: the debugger, loaded by the drop-ins only when the page URL has
 * `?popin_bridge_debug` (then it opens over the page). The playground loads it to draw the same
 * timeline inside its own page with `PopinBridgeDebugger.mount(element)`.
 */
import { urlAsksForDebug } from '../debug-flag'
import { openOverlay } from './overlay'
import { showTrace } from './view'

const win = window as unknown as Record<string, any>
if (!win.PopinBridgeDebugger) {
  win.PopinBridgeDebugger = {
    open: () => openOverlay(window),
    mount: (element: HTMLElement) => showTrace(element),
  }
  if (urlAsksForDebug(window)) openOverlay(window)
}
