import { describe, expect, it } from 'vitest'
import { parsePopinDateTime, parsePopinTimestamp } from '../src/relay/popin-time'

const iso = (date: string, time: string, zone: string) => parsePopinDateTime(date, time, zone)?.toISOString() ?? null

describe("Popin's scheduled date and time (d-M-Y, h:i A) in a time zone", () => {
  it('reads ordinary times', () => {
    expect(iso('21-Nov-2026', '03:30 PM', 'Asia/Kolkata')).toBe('2026-11-21T10:00:00.000Z')
    expect(iso('21-Nov-2026', '12:05 AM', 'UTC')).toBe('2026-11-21T00:05:00.000Z')
    expect(iso('21-nov-2026', '12:05 pm', 'America/New_York')).toBe('2026-11-21T17:05:00.000Z')
    expect(iso('01-Jul-2026', '09:00 AM', 'Europe/London')).toBe('2026-07-01T08:00:00.000Z')
  })

  it('rejects what is not a date or a time', () => {
    expect(iso('31-Feb-2026', '03:30 PM', 'UTC')).toBeNull()
    expect(iso('21-Foo-2026', '03:30 PM', 'UTC')).toBeNull()
    expect(iso('21-Nov-2026', '13:30 PM', 'UTC')).toBeNull()
    expect(iso('21-Nov-2026', '15:30', 'UTC')).toBeNull()
    expect(parsePopinDateTime(undefined, '03:30 PM', 'UTC')).toBeNull()
  })

  it('uses the offset in force before a DST change for gap and overlap times', () => {
    expect(iso('08-Mar-2026', '02:30 AM', 'America/New_York')).toBe('2026-03-08T07:30:00.000Z')
    expect(iso('01-Nov-2026', '01:30 AM', 'America/New_York')).toBe('2026-11-01T05:30:00.000Z')
  })
})

describe("Popin's timestamp", () => {
  it('reads epoch seconds, epoch milliseconds, ISO and SQL-style UTC', () => {
    expect(parsePopinTimestamp(1795255200)?.toISOString()).toBe('2026-11-21T10:00:00.000Z')
    expect(parsePopinTimestamp('1795255200000')?.toISOString()).toBe('2026-11-21T10:00:00.000Z')
    expect(parsePopinTimestamp('2026-11-21T15:30:00+05:30')?.toISOString()).toBe('2026-11-21T10:00:00.000Z')
    expect(parsePopinTimestamp('2026-11-21 10:00:00')?.toISOString()).toBe('2026-11-21T10:00:00.000Z')
    expect(parsePopinTimestamp('soon')).toBeNull()
    expect(parsePopinTimestamp(null)).toBeNull()
  })
})
