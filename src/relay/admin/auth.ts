import { createHmac, randomBytes } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import { sameSecret as same } from '../same-secret'

export const ADMIN_TOKEN_ENV = 'POPIN_BRIDGE_ADMIN_TOKEN'
const COOKIE = 'popin_bridge_admin'
const SESSION_MS = 12 * 3600 * 1000


/**
 * Who may read the admin pages: a request with `Authorization: Bearer <token>`, or with the
 * cookie the login form sets. Sessions are signed with the token (HMAC), not kept: every relay
 * instance on one database accepts them, and a new token ends them all. Each session has its own
 * CSRF token, derived the same way.
 */
export function adminAuth(token: string) {
  const sign = (text: string) => createHmac('sha256', token).update(text).digest('base64url')
  return {
    /** The request's session: `bearer`, or a login cookie's id while it is valid; undefined otherwise. */
    session(req: IncomingMessage): string | undefined {
      const header = req.headers.authorization
      if (typeof header === 'string' && /^bearer /i.test(header)) return same(header.slice(7).trim(), token) ? 'bearer' : undefined
      const [issued, nonce, mac] = (cookieValue(req.headers.cookie, COOKIE) ?? '').split('.')
      if (!issued || !nonce || !mac) return undefined
      const id = `${issued}.${nonce}`
      if (!same(mac, sign(`session:${id}`))) return undefined
      return Date.now() - Number(issued) < SESSION_MS ? id : undefined
    },
    /** Whether a token typed in the login form is the admin token. */
    isToken: (given: string) => same(given, token),
    /** Set-Cookie of a new session. */
    loginCookie(secure: boolean): string {
      const id = `${Date.now()}.${randomBytes(16).toString('base64url')}`
      return `${COOKIE}=${id}.${sign(`session:${id}`)}; HttpOnly; SameSite=Strict; Path=/admin; Max-Age=${SESSION_MS / 1000}${secure ? '; Secure' : ''}`
    },
    logoutCookie: () => `${COOKIE}=; HttpOnly; SameSite=Strict; Path=/admin; Max-Age=0`,
    csrfToken: (session: string) => sign(`csrf:${session}`),
    isCsrfToken: (session: string, given: unknown) => typeof given === 'string' && same(given, sign(`csrf:${session}`)),
  }
}

export type AdminAuth = ReturnType<typeof adminAuth>

/**
 * A form post from the admin's own pages: a browser says where it comes from (Sec-Fetch-Site,
 * Origin), and another site is refused whatever else it sends. A client that says neither (curl)
 * still needs the session's CSRF token.
 */
export function fromSameOrigin(req: IncomingMessage): boolean {
  const site = req.headers['sec-fetch-site']
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return false
  const origin = req.headers.origin
  if (origin === undefined) return true
  try {
    return new URL(origin).host === req.headers.host
  } catch {
    return false
  }
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [key, ...value] = part.trim().split('=')
    if (key === name) return value.join('=')
  }
  return undefined
}
