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
