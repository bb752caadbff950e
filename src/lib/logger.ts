export type LogLevel = 'debug' | 'warn' | 'error'

export interface Logger {
  readonly debugEnabled: boolean
  debug(message: string, ...details: unknown[]): void
  warn(message: string, ...details: unknown[]): void
  error(message: string, ...details: unknown[]): void
  /** Logs only the first time `key` is seen: one console line per problem, not one per event. */
  once(key: string, level: LogLevel, message: string, ...details: unknown[]): boolean
}

export const LOG_PREFIX = '[popin-bridge]'

/** Console output with our prefix; a console that throws (or is missing) is ignored. */
export function createLogger(target: Pick<Console, 'log' | 'warn' | 'error'> | undefined, debugEnabled: boolean): Logger {
  const seen = new Set<string>()
  const write = (level: LogLevel, message: string, details: unknown[]) => {
    if (level === 'debug' && !debugEnabled) return
    try {
      const method = level === 'debug' ? target?.log : target?.[level]
      method?.call(target, `${LOG_PREFIX} ${message}`, ...details)
    } catch {
      // A broken console must not break the bridge.
    }
  }
  return {
    debugEnabled,
    debug: (message, ...details) => write('debug', message, details),
    warn: (message, ...details) => write('warn', message, details),
    error: (message, ...details) => write('error', message, details),
    once(key, level, message, ...details) {
      if (seen.has(key)) return false
      seen.add(key)
      write(level, message, details)
      return true
    },
  }
}
