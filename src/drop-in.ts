import { version } from '../package.json'
import type { Bridge } from './start-bridge'
import { urlAsksForDebug } from './debug-flag'
import { DEFAULTS } from './config/defaults'
import { consentUpdate, type ConsentState } from './consent/state'
import { createLogger, LOG_PREFIX } from './lib/logger'
import { listen } from './listen'
import { COMPILED, DEBUGS } from './lib/tag-features'
import type { Problem } from './config/problems'
import type { BridgeConfig } from './types'

/** What the drop-in scripts put on `window.PopinBridge`. */
export interface PopinBridgeGlobal {
  version: string
  /** Starts (or restarts, replacing the running bridge) with a config. */
  init(config?: BridgeConfig): Bridge
  destroy(): void
  /** Records consent decisions; they are kept across `init`. See `Bridge.consent`. */
  consent(decisions: ConsentState): ConsentState
  readonly problems: readonly Problem[]
}

/** Starts a bridge for a config with the visitor's decisions so far. */
export type Starter = (config: BridgeConfig | undefined, consent: ConsentState) => Bridge

/**
 * The drop-in script's start-up: reads the config from the script tag's `data-config` or from
 * `window.popinBridgeConfig` (a compiled tag has its own), starts, and exposes
 * `window.PopinBridge`. A second copy of the script finds `window.PopinBridge` and does nothing.
 */
export function startDropIn(start: Starter): void {
  const win = window as unknown as Record<string, any>
  const script = document.currentScript as HTMLScriptElement | null
  if (win.PopinBridge) {
    // The debug build, loaded by a drop-in built without debug mode: it takes over from it.
    if (DEBUGS && win[HANDOFF]) {
      win[HANDOFF](start)
      if (urlAsksForDebug(win)) loadDebugger(script)
    }
    return
  }
  let bridge: Bridge | undefined
  let decisions: ConsentState = {}
  const api: PopinBridgeGlobal = {
    version,
    init(config) {
      if (COMPILED && config !== undefined) console.warn(`${LOG_PREFIX} this tag runs the config it was compiled from: build it again to change it`)
      bridge?.destroy()
      bridge = start(config, decisions)
      return bridge
    },
    consent(update) {
      decisions = { ...decisions, ...consentUpdate(update) }
      return bridge ? bridge.consent(update) : { ...decisions }
    },
    destroy() {
      bridge?.destroy()
      bridge = undefined
    },
    get problems() {
      return bridge?.problems ?? []
    },
  }
  win.PopinBridge = api
  const config = COMPILED ? undefined : readConfig(win, script)
  if (!DEBUGS && !COMPILED && asksForDebug(win, config) && script?.src) {
    return handOff(win, script, (debugBuild) => {
      start = debugBuild
      return api.init(config)
    }, () => api.init(config))
  }
  api.init(config)
  if (DEBUGS && urlAsksForDebug(win)) loadDebugger(script)
}

/** Where a drop-in built without debug mode waits for its debug build to take over. */
const HANDOFF = '__popinBridgeHandoff'
/** The lite drop-in's debug build, next to it: loaded only when debug mode is asked for. */
export const DEBUG_BUILD_FILE = 'popin-bridge.lite.debug.js'
const HANDOFF_TIMEOUT_MS = 10_000

function asksForDebug(win: Record<string, any>, config: BridgeConfig | undefined): boolean {
  try {
    return urlAsksForDebug(win) || config?.debug === true
  } catch {
    return false
  }
}

/**
 * Loads the debug build, which starts the bridge in this one's place (same config, the visitor's
 * decisions so far); Popin's events meanwhile wait, in order, and are handled then. If it cannot
 * load, this build starts without debug mode.
 */
function handOff(win: Record<string, any>, script: HTMLScriptElement, debugStart: (start: Starter) => Bridge, ownStart: () => Bridge): void {
  const waiting: [unknown, unknown][] = []
  const unlisten = listen(win, (event, data) => waiting.length < DEFAULTS.queueLimit && waiting.push([event, data]), createLogger(console, false))
  let timer: ReturnType<typeof setTimeout> | undefined
  const take = (start: () => Bridge) => {
    if (!win[HANDOFF]) return
    delete win[HANDOFF]
    clearTimeout(timer)
    unlisten()
    const bridge = start()
    for (const [event, data] of waiting) bridge.handle(event, data)
  }
  Object.defineProperty(win, HANDOFF, { configurable: true, value: (start: Starter) => take(() => debugStart(start)) })
  try {
    const tag = document.createElement('script')
    const url = new URL(DEBUG_BUILD_FILE, script.src)
    // The same version, when the page asks for one (`lite.min.js?v=3`).
    url.search = new URL(script.src).search
    tag.src = url.href
    tag.onerror = () => take(ownStart)
    timer = setTimeout(() => take(ownStart), HANDOFF_TIMEOUT_MS)
    document.head.appendChild(tag)
  } catch {
    take(ownStart)
  }
}

/** The file of the debugger overlay, next to the drop-in's own: loaded only for `?popin_bridge_debug`. */
export const DEBUGGER_FILE = 'popin-bridge.debugger.js'

/** A tag without a `src` (pasted inline) has no place to load it from; a failed load stays the overlay's own. */
function loadDebugger(script: HTMLScriptElement | null) {
  try {
    document.head.appendChild(document.createElement('script')).src = new URL(DEBUGGER_FILE, script!.src).href
  } catch {
    // No overlay: debug mode's console lines remain.
  }
}
/**
 * `data-config` first, else `window.popinBridgeConfig`. A `data-config` that is not JSON is not a
 * config: nothing runs (it may have asked for consent), and the bridge says so with the rest.
 */
function readConfig(win: Record<string, any>, script: Element | null): BridgeConfig | undefined {
  const inline = script?.getAttribute('data-config')
  if (inline) {
    try {
      return JSON.parse(inline) as BridgeConfig
    } catch (error) {
      console.error(`${LOG_PREFIX} data-config is not valid JSON (${(error as Error).message}): nothing runs until it is fixed`)
      return inline as never
    }
  }
  return win.popinBridgeConfig as BridgeConfig | undefined
}
