/** The page URL parameter that turns debug mode on and opens the debugger: `?popin_bridge_debug`. */
export const DEBUG_FLAG = 'popin_bridge_debug'

/** Whether the page's URL asks for debug mode (`?popin_bridge_debug`, not `=0` or `=false`). Never throws. */
export function urlAsksForDebug(win: { location?: Location } | undefined): boolean {
  try {
    const value = new URLSearchParams(win?.location?.search ?? '').get(DEBUG_FLAG)
    return value !== null && !/^(?:0|false|off|no)$/i.test(value)
  } catch {
    return false
  }
}
