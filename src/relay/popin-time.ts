const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec']

/**
 * Popin's scheduled date and time (PHP formats `d-M-Y` and `h:i A`, e.g. "21-Nov-2026" and
 * "03:30 PM") as an instant, read in an IANA time zone. Null for anything that is not a real
 * date (31-Feb) or time. In a DST gap or overlap the offset in force just before is used.
 */
export function parsePopinDateTime(date: unknown, time: unknown, timeZone: string): Date | null {
  const d = typeof date === 'string' ? /^\s*(\d{1,2})-([A-Za-z]{3})-(\d{4})\s*$/.exec(date) : null
  const t = typeof time === 'string' ? /^\s*(\d{1,2}):(\d{2})\s*([AaPp][Mm])\s*$/.exec(time) : null
  if (!d || !t) return null
  const day = Number(d[1])
  const month = MONTHS.indexOf((d[2] as string).toLowerCase())
  const year = Number(d[3])
  const hour12 = Number(t[1])
  const minute = Number(t[2])
  if (hour12 < 1 || hour12 > 12) return null
  const hour = (hour12 % 12) + ((t[3] as string).toLowerCase() === 'pm' ? 12 : 0)
  return wallTimeToInstant(year, month + 1, day, hour, minute, 0, timeZone)
}

/**
 * The instant a wall-clock time (month 1–12) shows in an IANA time zone. Null when it is not a
 * real date or time (31-Feb, 24:00). In a DST gap or overlap the offset in force just before is used.
 */
export function wallTimeToInstant(year: number, month: number, day: number, hour: number, minute: number, second: number, timeZone: string): Date | null {
  if (month < 1 || month > 12 || hour > 23 || minute > 59 || second > 59) return null
  const wall = Date.UTC(year, month - 1, day, hour, minute, second)
  if (new Date(wall).getUTCDate() !== day) return null
  // The offsets in force a few hours either side; the first that reads back as this wall time wins.
  const guess = wall - offsetMs(wall, timeZone)
  const before = offsetMs(guess - SIX_HOURS, timeZone)
  const after = offsetMs(guess + SIX_HOURS, timeZone)
  for (const offset of [before, after]) {
    const instant = wall - offset
    if (instant + offsetMs(instant, timeZone) === wall) return new Date(instant)
  }
  return new Date(wall - before)
}

const SIX_HOURS = 6 * 3600 * 1000

/** How far `timeZone`'s wall clock is ahead of UTC at `instant`. */
function offsetMs(instant: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(new Date(instant))
  const get = (type: string) => Number(parts.find((part) => part.type === type)?.value)
  const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'))
  return asUtc - Math.floor(instant / 1000) * 1000
}

/**
 * Popin's `timestamp`, whose format Popin does not document: epoch seconds or milliseconds, ISO
 * 8601 with `Z` or an offset (absolute), or a wall-clock time without one, "YYYY-MM-DD HH:MM:SS"
 * or ISO, read in `timeZone` (the shop's, as for Popin's other dates); another form Date.parse
 * reads ("Tue, 01 Dec 2026 10:00:00 GMT") when it names its zone. Null when unreadable.
 */
export function parsePopinTimestamp(value: unknown, timeZone: string): Date | null {
  if (typeof value === 'number' || (typeof value === 'string' && /^\d{9,13}$/.test(value.trim()))) {
    const n = Number(value)
    return validDate(n < 1e11 ? n * 1000 : n)
  }
  if (typeof value !== 'string' || value.trim() === '') return null
  const text = value.trim()
  const wall = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3})\d*)?)?)?$/.exec(text)
  if (wall) {
    const n = (group: number) => Number(wall[group] ?? 0)
    const instant = wallTimeToInstant(n(1), n(2), n(3), n(4), n(5), n(6), timeZone)
    // The fraction's first three digits are the milliseconds.
    return instant && new Date(instant.getTime() + Number((wall[7] ?? '').padEnd(3, '0')))
  }
  // Any other form only when it states its zone: Date.parse reads a time without one in the
  // process's own, which is neither the shop's nor the same on every host.
  return STATES_ZONE.test(text) ? validDate(Date.parse(text)) : null
}

const STATES_ZONE = /(?:z|[+-]\d{2}:?\d{2}|\b(?:gmt|utc))$/i

/** A Date for these milliseconds, or null where there is none (NaN, or past ±8.64e15 ms). */
function validDate(ms: number): Date | null {
  const date = new Date(ms)
  return Number.isNaN(date.getTime()) ? null : date
}
