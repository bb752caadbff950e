import { PERSONAL_FIELDS } from './catalog'

/** Payload paths like `email` or `captured.name` that identify a person. */
export function isPersonalPath(path: string): boolean {
  const head = path.split('.', 1)[0] as string
  return PERSONAL_FIELDS.includes(head)
}

const PERSONAL_KEY = /^(e?mail|email_address|phone|phone_number|mobile|name|first_?name|last_?name|full_?name|customer_name|city|zip|zip_?code|postal_?code|pin_?code|address|comments?|remark|feedback)$/i
const EMAIL_VALUE = /[^\s@]+@[^\s@]+\.[^\s@]+/

/**
 * A last line of defence for destinations that must never get personal data: catches
 * parameters named like personal fields, and email addresses in any value.
 */
export function looksPersonal(key: string, value: unknown): boolean {
  if (PERSONAL_KEY.test(key)) return true
  return typeof value === 'string' && EMAIL_VALUE.test(value)
}
