/**
 * A lag counts this long at most: forwarding that has not caught up by then is not outrun by a
 * burst of intake (a backlog found at start, after an outage, a replay of dead letters): from then
 * on the database holds the backlog, and webhooks are answered at once.
 */
export const LAG_EPISODE_MS = 3000

/**
 * Whether forwarding lags behind intake now, for backpressure: a destination lags from a claim that
 * leaves due rows in the database until one that takes them all (or for LAG_EPISODE_MS at most).
 */
export function lagTracker(episodeMs = LAG_EPISODE_MS) {
  const since = new Map<string, number>()
  const waiting = new Set<() => void>()
  let stopped = false
  const lagging = () => !stopped && [...since.values()].some((start) => Date.now() - start < episodeMs)
  const release = () => [...waiting].forEach((resume) => resume())
  return {
    lagging,
    /** A claim of `destination` left due rows behind (true), or took them all, or its vendor fails (false). */
    claimed(destination: string, leftRows: boolean) {
      if (stopped) return
      if (!leftRows) {
        if (since.delete(destination) && !lagging()) release()
      } else if (!since.has(destination)) since.set(destination, Date.now())
    },
    /** Resolves once no destination lags, or after `maxMs`. */
    caughtUp(maxMs: number): Promise<void> {
      if (!lagging()) return Promise.resolve()
      return new Promise((resolve) => {
        const timer = setTimeout(resume, maxMs)
        function resume() {
          clearTimeout(timer)
          waiting.delete(resume)
          resolve()
        }
        waiting.add(resume)
      })
    },
    /** No more lag (the relay is closing): whatever waits goes on now. */
    stop() {
      stopped = true
      since.clear()
      release()
    },
  }
}
