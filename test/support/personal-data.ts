import { expect } from 'vitest'

/** Every personal value the suite's payloads carry, in any case. */
const PERSONAL_VALUES = ['ada', 'lovelace', 'byron', 'example.com', 'a@b.co', '7700', '900123', 'camden', 'new york', 'nw1', 'great help', 'very helpful', '+44 1']

/**
 * Fails if any call recorded for GA4 or Facebook carries a personal value in clear. Hashes are
 * fine: a SHA-256 hex string contains none of these.
 */
export function expectNoPersonalData(destination: 'GA4' | 'Facebook', calls: unknown[]): void {
  const text = JSON.stringify(calls).toLowerCase()
  const leaked = PERSONAL_VALUES.filter((value) => text.includes(value))
  expect(leaked, `${destination} received personal data in clear: ${leaked.join(', ')}`).toEqual([])
}

/** GA4 and Facebook calls held by a page: fake recorders, the Pixel queue, gtag's dataLayer commands. */
export function vendorCallsOf(win: any): { ga4: unknown[]; facebook: unknown[] } {
  const plain = (list: any) => Array.from(list ?? [], (args: any) => Array.from(args))
  const layer: any[] = Array.isArray(win?.dataLayer) ? win.dataLayer : []
  return {
    ga4: [...(win?.__fakeCalls?.gtag ?? []), ...plain(layer.filter((entry) => entry && typeof entry.length === 'number'))],
    facebook: [...(win?.__fakeCalls?.fbq ?? []), ...plain(win?.fbq?.queue)],
  }
}
