import { memo } from './memo'

/** Whether `Intl` knows this IANA time zone (remembered: the same few zones come back). */
export const isTimeZone = memo((zone: string): boolean => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone })
    return true
  } catch {
    return false
  }
})
