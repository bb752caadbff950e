import type { Rule } from '../../src/adapter'
import { splitTemplate } from '../../src/lib/template'

/** Meta Pixel standard events: https://developers.facebook.com/docs/meta-pixel/reference */
export const STANDARD_EVENTS = [
  'AddPaymentInfo',
  'AddToCart',
  'AddToWishlist',
  'CompleteRegistration',
  'Contact',
  'CustomizeProduct',
  'Donate',
  'FindLocation',
  'InitiateCheckout',
  'Lead',
  'PageView',
  'Purchase',
  'Schedule',
  'Search',
  'StartTrial',
  'SubmitApplication',
  'Subscribe',
  'ViewContent',
] as const

/** "Custom event names must be strings, and cannot exceed 50 characters in length." */
export const CUSTOM_NAME_MAX = 50

export function isStandardEvent(name: string): boolean {
  return (STANDARD_EVENTS as readonly string[]).includes(name)
}

/** A rule's call when it names none: standard events are tracked, anything else is custom. */
export const defaultCall = (name: string) => (isStandardEvent(name) ? 'track' : 'trackCustom')

/**
 * Whether a page must still decide names and calls: a rule's name is a template, or `prepare`
 * would change a name as written (`track` for a custom event, a custom name too long). Else a
 * compiled tag has every call worked out at build time and leaves this out.
 */
export function namesDecidedInPage(rules: readonly Rule[]): boolean {
  return rules.some(({ name: named, call }) => {
    const name = named ?? '{{event}}'
    if (splitTemplate(name).length > 1) return true
    const kind = call || defaultCall(name)
    return (kind === 'track' && !isStandardEvent(name)) || (kind === 'trackCustom' && Array.from(name).length > CUSTOM_NAME_MAX)
  })
}
