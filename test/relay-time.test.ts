import { describe, expect, it } from 'vitest'
import { parsePopinDateTime, parsePopinTimestamp, wallTimeToInstant } from '../src/relay/popin-time'

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
  it('reads epoch seconds, epoch milliseconds and ISO with Z or an offset as absolute, whatever the zone', () => {
    for (const zone of ['UTC', 'Asia/Kolkata']) {
      expect(parsePopinTimestamp(1795255200, zone)?.toISOString()).toBe('2026-11-21T10:00:00.000Z')
      expect(parsePopinTimestamp('1795255200000', zone)?.toISOString()).toBe('2026-11-21T10:00:00.000Z')
      expect(parsePopinTimestamp('2026-11-21T15:30:00+05:30', zone)?.toISOString()).toBe('2026-11-21T10:00:00.000Z')
      expect(parsePopinTimestamp('2026-11-21T10:00:00.250Z', zone)?.toISOString()).toBe('2026-11-21T10:00:00.250Z')
    }
  })

  it('reads a time without an offset as wall-clock time in the relay\'s zone', () => {
    expect(parsePopinTimestamp('2026-11-21 15:30:00', 'Asia/Kolkata')?.toISOString()).toBe('2026-11-21T10:00:00.000Z')
    expect(parsePopinTimestamp('2026-11-21T15:30:00', 'Asia/Kolkata')?.toISOString()).toBe('2026-11-21T10:00:00.000Z')
    expect(parsePopinTimestamp('2026-11-21 15:30', 'Asia/Kolkata')?.toISOString()).toBe('2026-11-21T10:00:00.000Z')
    expect(parsePopinTimestamp('2026-11-21T15:30:00.5', 'Asia/Kolkata')?.toISOString()).toBe('2026-11-21T10:00:00.500Z')
    expect(parsePopinTimestamp('2026-11-21', 'Asia/Kolkata')?.toISOString()).toBe('2026-11-20T18:30:00.000Z')
    expect(parsePopinTimestamp('2026-11-21 10:00:00', 'UTC')?.toISOString()).toBe('2026-11-21T10:00:00.000Z')
    expect(parsePopinTimestamp('2026-07-01 09:00:00', 'Europe/London')?.toISOString()).toBe('2026-07-01T08:00:00.000Z')
    // A DST gap: the offset in force before, as for scheduled times.
    expect(parsePopinTimestamp('2026-03-08 02:30:00', 'America/New_York')?.toISOString()).toBe('2026-03-08T07:30:00.000Z')
  })

  it('reads another form only when it names its zone: the same instant on every host', () => {
    for (const zone of ['UTC', 'Asia/Kolkata']) {
      expect(parsePopinTimestamp('Sat, 21 Nov 2026 10:00:00 GMT', zone)?.toISOString()).toBe('2026-11-21T10:00:00.000Z')
      expect(parsePopinTimestamp('Nov 21, 2026 15:30:00 +0530', zone)?.toISOString()).toBe('2026-11-21T10:00:00.000Z')
      // Date.parse would read these in the process's own zone.
      for (const local of ['11/21/2026 10:00:00', 'Nov 21, 2026 10:00 AM', 'Sat, 21 Nov 2026 10:00:00']) expect(parsePopinTimestamp(local, zone), local).toBeNull()
    }
  })

  it('rejects what is not a time', () => {
    for (const value of ['soon', '2026-02-31 10:00:00', '2026-11-21 24:00:00', '2026-13-01 10:00', '', null, undefined, {}]) {
      expect(parsePopinTimestamp(value, 'Asia/Kolkata')).toBeNull()
    }
  })
})

describe('wall-clock time in a zone', () => {
  it('gives the instant, or null for a time that does not exist', () => {
    expect(wallTimeToInstant(2026, 11, 21, 15, 30, 0, 'Asia/Kolkata')?.toISOString()).toBe('2026-11-21T10:00:00.000Z')
    expect(wallTimeToInstant(2026, 11, 1, 1, 30, 15, 'America/New_York')?.toISOString()).toBe('2026-11-01T05:30:15.000Z')
    expect(wallTimeToInstant(2026, 2, 29, 12, 0, 0, 'UTC')).toBeNull()
    expect(wallTimeToInstant(2026, 0, 1, 12, 0, 0, 'UTC')).toBeNull()
    expect(wallTimeToInstant(2026, 1, 1, 12, 0, 60, 'UTC')).toBeNull()
  })
})
