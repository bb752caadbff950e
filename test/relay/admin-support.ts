import { expect } from 'vitest'
import { startTestRelay } from './support'

export const ADMIN_TOKEN = 'admin-token-for-tests'

/** A test relay with the admin pages on, and helpers that read them. */
export async function startAdminRelay(relayOptions: Record<string, unknown> = {}) {
  const running = await startTestRelay(relayOptions, (c) => c, { POPIN_BRIDGE_ADMIN_TOKEN: ADMIN_TOKEN })
  const bearer = { authorization: `Bearer ${ADMIN_TOKEN}` }
  const get = (path: string, headers: Record<string, string> = bearer) => fetch(`${running.relay.url}${path}`, { headers, redirect: 'manual' })
  const page = async (path = '/admin') => {
    const response = await get(path)
    if (response.status !== 200) throw new Error(`GET ${path}: ${response.status}`)
    return response.text()
  }
  const form = (path: string, fields: Record<string, string>, headers: Record<string, string> = bearer) =>
    fetch(`${running.relay.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: new URLSearchParams(fields).toString(), redirect: 'manual' })
  /** Posts a webhook that the fake at `prefix` refuses with a 400 (`body`), and waits for its dead letter. */
  const deadLetter = async (prefix: keyof typeof DESTINATION_OF, webhook: Record<string, unknown>, body: string) => {
    const dead = async () => (await running.relay.store.counts())[DESTINATION_OF[prefix]]?.dead ?? 0
    const before = await dead()
    running.fakes.answers[prefix].push({ status: 400, body })
    if ((await running.post(webhook)).status !== 200) throw new Error('the webhook was not stored')
    await expect.poll(dead).toBe(before + 1)
  }
  return { ...running, bearer, get, page, form, deadLetter, csrf: async () => csrfOf(await page()) }
}

const DESTINATION_OF = { meta: 'facebookPixel', ga4: 'ga4', segment: 'segment' } as const

export function csrfOf(html: string): string {
  const match = /name="csrf" value="([^"]+)"/.exec(html)
  if (!match) throw new Error('no CSRF token on the page')
  return match[1]!
}
