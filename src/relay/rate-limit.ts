/**
 * At most `perMinute` requests per key (a client IP) in each one-minute window, in this process's
 * memory: every instance counts on its own. Returns how long to wait, in seconds, or 0 to go on.
 */
export function rateLimiter(perMinute: number, now = () => Date.now()) {
  let windowStart = now()
  let counts = new Map<string, number>()
  return (key: string): number => {
    const at = now()
    if (at - windowStart >= 60_000) {
      windowStart = at
      counts = new Map()
    }
    const count = (counts.get(key) ?? 0) + 1
    counts.set(key, count)
    return count > perMinute ? Math.ceil((windowStart + 60_000 - at) / 1000) : 0
  }
}
