import { PERSONAL_FIELDS } from './catalog'

/** Payload paths like `email` or `captured.name` that identify a person. */
export function isPersonalPath(path: string): boolean {
  const head = path.split('.', 1)[0] as string
  return PERSONAL_FIELDS.includes(head)
}

const PERSONAL_KEY = /(^|_)(e?mail|phone|mobile|name|first_?name|last_?name|city|zip|postal|pin_?code|address|comments?|remark|feedback)($|_)/i
const EMAIL_VALUE = /[^\s@]+@[^\s@]+\.[^\s@]+/

/**
 * A last line of defence for destinations that must never get personal data: catches
 * parameters named like personal fields, and email addresses in any value.
 */
export function looksPersonal(key: string, value: unknown): boolean {
  if (PERSONAL_KEY.test(key)) return true
  return typeof value === 'string' && EMAIL_VALUE.test(value)
}
