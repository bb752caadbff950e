/**
 * Caches a pure string function. Names come from the config and Popin's catalog, a small set;
 * past `limit` entries (a page inventing names) results are computed, not stored.
 */
export function memo<T>(fn: (input: string) => T, limit = 500): (input: string) => T {
  const cache = new Map<string, T>()
  return (input) => {
    const hit = cache.get(input)
    if (hit !== undefined || cache.has(input)) return hit as T
    const value = fn(input)
    if (cache.size < limit) cache.set(input, value)
    return value
  }
}
