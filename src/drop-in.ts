import { version } from '../package.json'
import type { Bridge } from './start-bridge'
import { urlAsksForDebug } from './debug-flag'
import { consentUpdate, type ConsentState } from './consent/state'
import { LOG_PREFIX } from './lib/logger'
import { DEBUGS } from './lib/tag-features'
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
 * `window.popinBridgeConfig` (a compiled tag has its own: `readsConfig` false), starts, and
 * exposes `window.PopinBridge`. A second copy of the script finds `window.PopinBridge` and does
 * nothing.
 */
export function startDropIn(start: Starter, readsConfig = true): void {
  const win = window as unknown as Record<string, any>
  if (win.PopinBridge) return
  let bridge: Bridge | undefined
  let decisions: ConsentState = {}
  const api: PopinBridgeGlobal = {
    version,
    init(config) {
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
  const script = document.currentScript as HTMLScriptElement | null
  api.init(readsConfig ? readConfig(win, script) : undefined)
  if (DEBUGS && urlAsksForDebug(win)) loadDebugger(script)
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
function readConfig(win: Record<string, any>, script: Element | null): BridgeConfig | undefined {
  const inline = script?.getAttribute('data-config')
  if (inline) {
    try {
      return JSON.parse(inline) as BridgeConfig
    } catch (error) {
      console.error(`${LOG_PREFIX} data-config is not valid JSON (${(error as Error).message}); using the built-in preset`)
      return undefined
    }
  }
  return win.popinBridgeConfig as BridgeConfig | undefined
}
