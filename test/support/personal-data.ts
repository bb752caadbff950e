import { expect } from 'vitest'

export type PersonalKind = 'name' | 'email' | 'phone' | 'city' | 'pin code' | 'comment'

export interface PersonalValue {
  kind: PersonalKind
  value: string
}

const values = (kind: PersonalKind, ...list: string[]): PersonalValue[] => list.map((value) => ({ kind, value }))

/**
 * Every personal value the suite's payloads carry (test/fixtures/session.ts, test/fixtures/webhooks.ts,
 * and the leads other test files use): visitors' and agents' names, emails, phones, cities, pin
 * codes and free text. Parts of values are listed too (a first name, an email's local part, a
 * phone's groups), so a product that splits a value still gets caught.
 * test/personal-data-check.test.ts checks that every personal field of the fixtures is listed here.
 */
export const PERSONAL_FIXTURE_VALUES: readonly PersonalValue[] = [
  // The Pune lead (INDIAN_LEAD, INDIAN_SESSION, INDIAN_WEBHOOKS).
  ...values('name', 'Priya Sharma', 'Priya', 'Sharma'),
  ...values('email', 'priya.sharma@example.in', 'priya.sharma'),
  ...values('phone', '+91 98765 43210', '9876543210', '+919876543210', '98765 43210'),
  ...values('city', 'Pune'),
  ...values('pin code', '411001'),
  ...values('comment', 'Call me back after 6pm, Priya', 'Call me back', 'Wants the sofa delivered before Diwali'),
  // The London lead (SESSION, WEBHOOKS, privacy/preset/debug/bad-input tests, the demo samples).
  ...values('name', 'Ada Lovelace', 'Ada Byron Lovelace', 'Ada', 'Byron', 'Lovelace'),
  ...values('email', 'Ada@Example.com', 'a@b.co', 'example.com'),
  ...values('phone', '+44 7700 900123', '+44 (0)7700 900123', '07700 900123', '7700 900123', '7700900123', '+447700900123', '+44 1', '900123'),
  ...values('city', 'Camden', 'New York'),
  ...values('pin code', 'NW1 6XE', 'NW1'),
  ...values(
    'comment',
    'Great help, call me on 07700 900123',
    'Lovely, call me on 07700 900123',
    'Wants the sofa in green',
    'Very helpful, thank you!',
    'Great help',
    'Very helpful',
    'call me on',
  ),
  // Agents are people too (WEBHOOKS' agent and guest fields).
  ...values('name', 'Grace Hopper', 'Grace', 'Hopper', 'Alan Turing', 'Alan', 'Turing'),
  ...values('email', 'grace@shop.example', 'alan@shop.example'),
]

export interface PersonalForm {
  /** The text searched for, case-insensitively. */
  text: string
  /** How it was derived, for the failure message. */
  how: string
  source: PersonalValue
}

const slug = (text: string, separator: string) =>
  text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, separator)
    .replace(new RegExp(`^\\${separator}+|\\${separator}+$`, 'g'), '')

/**
 * The forms a value can leak in: as given, lowercased, whitespace collapsed, slugified with `_`
 * (runs of non-alphanumerics to one `_`, and each one to its own `_`) and with `-`, with every
 * non-alphanumeric dropped, URL-encoded; for phones also digits only, the last ten digits and
 * the national form with a leading 0.
 */
export function formsOf(source: PersonalValue): PersonalForm[] {
  const given = source.value.trim()
  const lower = given.toLowerCase()
  const candidates: [string, string][] = [
    [given, 'as given'],
    [lower, 'lowercased'],
  ]
  if (source.kind === 'phone') {
    const digits = given.replace(/\D/g, '')
    candidates.push([digits, 'digits only'])
    if (digits.length > 10) candidates.push([digits.slice(-10), 'last ten digits'])
    if (digits.length >= 10) candidates.push([`0${digits.slice(-10)}`, 'national form (0 + last ten digits)'])
  }
  candidates.push(
    [lower.replace(/\s+/g, ' '), 'whitespace collapsed'],
    [slug(given, '_'), 'slugified with _'],
    [lower.replace(/[^a-z0-9]/g, '_'), 'each non-alphanumeric to _'],
    [slug(given, '-'), 'slugified with -'],
    [lower.replace(/[^a-z0-9]/g, ''), 'non-alphanumerics dropped'],
    [encodeURIComponent(given), 'URL-encoded'],
    [encodeURIComponent(given).replace(/%20/g, '+'), 'form-encoded'],
  )
  const seen = new Set<string>()
  const forms: PersonalForm[] = []
  for (const [text, how] of candidates) {
    const key = text.toLowerCase()
    if (!text || seen.has(key)) continue
    // A short digit run made from a value (the "441" of "+44 1") would match ids and counters.
    if (how !== 'as given' && /^\d{1,6}$/.test(text)) continue
    seen.add(key)
    forms.push({ text, how, source })
  }
  return forms
}

/** Every form of every fixture value, each text once (searched case-insensitively). */
export const PERSONAL_FORMS: readonly PersonalForm[] = PERSONAL_FIXTURE_VALUES.flatMap(formsOf).filter(
  (form, index, all) => all.findIndex((other) => other.text.toLowerCase() === form.text.toLowerCase()) === index,
)

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

/**
 * The test for one form in a lowercased text. A form made only of hex characters (a digit run
 * like "9876543210", or a name like "ada") only counts as a whole run, not preceded or followed
 * by another hex character: a SHA-256 hash (64 hex characters) can never contain it.
 */
function matcher(form: string): (text: string) => number {
  const lower = form.toLowerCase()
  if (/^[0-9a-f]+$/.test(lower)) {
    const pattern = new RegExp(`(?<![0-9a-f])${escape(lower)}(?![0-9a-f])`)
    return (text) => text.search(pattern)
  }
  return (text) => text.indexOf(lower)
}

const MATCHERS = new Map(PERSONAL_FORMS.map((form) => [form, matcher(form.text)]))

/** JSON text of anything a page or a server recorded: cycles and functions do not throw. */
export function jsonText(value: unknown): string {
  const seen = new WeakSet<object>()
  return (
    JSON.stringify(value, (_key, item: unknown) => {
      if (typeof item === 'function') return `[function ${item.name}]`
      if (typeof item === 'bigint') return String(item)
      if (item && typeof item === 'object') {
        if (seen.has(item)) return '[cycle]'
        seen.add(item)
      }
      return item
    }) ?? String(value)
  )
}

export interface Leak {
  form: PersonalForm
  /** Index of the call it was found in. */
  call: number
  excerpt: string
}

/** Every personal form found in the JSON text of each call: event names, params, ids, keys. */
export function personalDataIn(calls: readonly unknown[]): Leak[] {
  const texts = calls.map((call) => jsonText(call))
  const lowered = texts.map((text) => text.toLowerCase())
  const leaks: Leak[] = []
  for (const form of PERSONAL_FORMS) {
    const find = MATCHERS.get(form)!
    for (let call = 0; call < texts.length; call++) {
      const at = find(lowered[call]!)
      if (at === -1) continue
      const text = texts[call]!
      const from = Math.max(0, at - 40)
      const to = Math.min(text.length, at + form.text.length + 40)
      leaks.push({ form, call, excerpt: `${from > 0 ? '…' : ''}${text.slice(from, to)}${to < text.length ? '…' : ''}` })
      break
    }
  }
  return leaks
}

export function describeLeak({ form, call, excerpt }: Leak, unit = 'call'): string {
  return `${JSON.stringify(form.text)} (${form.source.kind} ${JSON.stringify(form.source.value)}, ${form.how}) in ${unit} #${call}: ${excerpt}`
}

/**
 * Fails if any call recorded for a destination that must never get personal data in clear (GA4,
 * Facebook's page calls, Meta's custom_data) carries a personal value in any of its forms,
 * listing each leaked form. Hashes are fine: see `matcher`.
 */
export function expectNoPersonalData(destination: string, calls: readonly unknown[]): void {
  const leaks = personalDataIn(calls)
  const lines = leaks.map((leak) => describeLeak(leak))
  expect(lines, `${destination} received personal data in clear:\n  ${lines.join('\n  ')}`).toEqual([])
}

/** GA4 and Facebook calls held by a page: fake recorders, the Pixel queue, gtag's dataLayer commands. */
export function vendorCallsOf(win: any): { ga4: unknown[]; facebook: unknown[] } {
  const plain = (list: any) => Array.from(list ?? [], (args: any) => Array.from(args))
  const layer: any[] = Array.isArray(win?.dataLayer) ? win.dataLayer : []
  return {
    ga4: [...(win?.__fakeCalls?.gtag ?? []), ...plain(layer.filter((entry) => entry && typeof entry !== 'string' && typeof entry.length === 'number'))],
    facebook: [...(win?.__fakeCalls?.fbq ?? []), ...plain(win?.fbq?.queue)],
  }
}

/** The check setup.ts runs on every page after each test. */
export function expectNoPersonalDataOnWindow(win: unknown): void {
  const { ga4, facebook } = vendorCallsOf(win)
  expectNoPersonalData('GA4', ga4)
  expectNoPersonalData('Facebook', facebook)
}
