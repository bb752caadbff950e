import type { Logger } from './lib/logger'

type Handler = (this: unknown, ...args: unknown[]) => unknown
export type Receiver = (event: unknown, data: unknown) => void

interface Hook {
  receiver: Receiver | undefined
  log: Logger
}

const HOOK_KEY = '__popinBridgeHook'
/** Page handlers kept; a page re-assigning in a loop must not grow memory. */
const MAX_HANDLERS = 16

/**
 * Makes `window.popinEvent` call the bridge, while the page keeps its own handlers:
 * one assigned before the bridge, and any assigned after it (a setter catches those).
 * A page handler that wraps the previous value (`const prev = window.popinEvent`) calls back
 * into us; that re-entry is passed down to the handler it replaced, never back to the bridge.
 * Returns the function that undoes it. One hook per window: a second bridge takes it over.
 */
export function listen(win: Record<string, any>, receiver: Receiver, log: Logger): () => void {
  const existing: Hook | undefined = win[HOOK_KEY]
  if (existing) {
    existing.receiver = receiver
    existing.log = log
    return () => {
      if (existing.receiver === receiver) existing.receiver = undefined
    }
  }

  const hook: Hook = { receiver, log }
  const handlers: Handler[] = typeof win.popinEvent === 'function' ? [win.popinEvent] : []
  let level = -1

  const callHandler = (index: number, self: unknown, args: unknown[]) => {
    const handler = handlers[index]
    if (!handler) return
    const outer = level
    level = index
    try {
      handler.apply(self, args)
    } catch (error) {
      hook.log.error("the page's own popinEvent handler threw; Popin was not affected", error)
    } finally {
      level = outer
    }
  }

  const popinEvent = function (this: unknown, ...args: unknown[]) {
    if (level >= 0) return callHandler(level - 1, this, args)
    try {
      hook.receiver?.(args[0], args[1])
    } catch (error) {
      hook.log.once('receiver', 'error', 'internal error while handling a Popin event', error)
    }
    callHandler(handlers.length - 1, this, args)
  }

  const accessor = {
    configurable: true,
    enumerable: true,
    get: () => popinEvent,
    set: (value: unknown) => {
      if (value === popinEvent) return
      if (typeof value !== 'function') handlers.length = 0
      else handlers.push(value as Handler)
      if (handlers.length > MAX_HANDLERS) handlers.splice(0, handlers.length - MAX_HANDLERS)
    },
  }

  try {
    Object.defineProperty(win, 'popinEvent', accessor)
  } catch (error) {
    log.error('window.popinEvent cannot be redefined (non-configurable); the bridge cannot listen', error)
    return () => undefined
  }
  Object.defineProperty(win, HOOK_KEY, { configurable: true, value: hook })

  return () => {
    if (hook.receiver !== receiver) return
    delete win[HOOK_KEY]
    const descriptor = Object.getOwnPropertyDescriptor(win, 'popinEvent')
    if (descriptor?.get !== accessor.get) return
    delete win.popinEvent
    const latest = handlers[handlers.length - 1]
    if (latest) win.popinEvent = latest
  }
}
