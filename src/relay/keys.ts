/** Hex digits of a key's time: seconds since 1970, up to 2106. */
const TIME_DIGITS = 8

/**
 * The key a webhook or a page's occurrence is stored under, 64 hex digits: when it happened, in
 * seconds (zeros when that is not known), then the first 56 digits of `hash`, which identifies it.
 * The same webhook sent again states the same time, so it has the same key. Keys in time order are
 * added at the end of the database's index of keys, where random ones each take a write to a page
 * anywhere in it and, once the index outgrows the database's cache, a read from disk too
 * (at 300,000 webhooks kept, that doubled SQLite's work for each new one).
 */
export function timedKey(at: number | undefined, hash: string): string {
  const seconds = at === undefined ? 0 : Math.floor(at / 1000)
  const time = seconds >= 0 && seconds < 16 ** TIME_DIGITS ? seconds : 0
  return time.toString(16).padStart(TIME_DIGITS, '0') + hash.slice(0, 64 - TIME_DIGITS)
}

/** The part of a key that identifies what it was made for: ids and short names are taken from it. */
export const keyHash = (key: string): string => key.slice(TIME_DIGITS)

/** How the admin pages and the log name a stored webhook. */
export const shortKey = (key: string): string => keyHash(key).slice(0, 12)
