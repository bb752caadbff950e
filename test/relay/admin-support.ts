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
  return { ...running, bearer, get, page, form, csrf: async () => csrfOf(await page()) }
}

export function csrfOf(html: string): string {
  const match = /name="csrf" value="([^"]+)"/.exec(html)
  if (!match) throw new Error('no CSRF token on the page')
  return match[1]!
}
