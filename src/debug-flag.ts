/** The page URL parameter that turns debug mode on and opens the debugger: `?popin_bridge_debug`. */
export const DEBUG_FLAG = 'popin_bridge_debug'

/** Whether the page's URL asks for debug mode. Never throws. */
export function urlAsksForDebug(win: { location?: Location } | undefined): boolean {
  try {
    return new URLSearchParams(win?.location?.search ?? '').has(DEBUG_FLAG)
  } catch {
    return false
  }
}
