import type { IncomingMessage, ServerResponse } from 'node:http'
import { serverSenders } from '../../../adapters/server'
import { normalizeContact } from '../../privacy/match-keys'
import { isClean } from '../../privacy/policy'
import { shortKey } from '../keys'
import { readBody } from '../read-body'
import { sha256Hex } from '../sha256'
import type { Store } from '../store'
import { uidLookup } from '../visits'
import { adminAuth, fromSameOrigin } from './auth'
import { loginPage, overviewPage, refusedPage } from './pages'
import { CONTENT_SECURITY_POLICY } from './styles'

export { ADMIN_TOKEN_ENV } from './auth'

const PAGE_SIZE = 25
/** Pages of PAGE_SIZE webhooks a listing can go to: well past any retention window, well within an int64 offset. */
const MAX_PAGE = 1_000_000
const MAX_FORM_BYTES = 4096
const HEX64 = /^[0-9a-f]{64}$/

export interface AdminOptions {
  store: Store
  token: string
  timeZone: string
  /** The cookie gets `Secure` when the request came through the operator's proxy over HTTPS. */
  trustProxy: boolean
  /** Dead letters were made due again: deliver now. */
  replayed(): void
}

/**
 * `/admin`: read-only pages of what the relay received and how each delivery went, and a replay
 * of dead letters. Behind the admin token (Bearer, or the login form's cookie); every post needs
 * the session's CSRF token and must come from these pages.
 */
export function adminPages({ store, token, timeZone, trustProxy, replayed }: AdminOptions) {
  const auth = adminAuth(token)
  const labels = Object.fromEntries(serverSenders.map((s) => [s.browser.name, s.browser.label]))

  return async function admin(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://relay')
    if (req.method === 'POST' && path === '/admin/login') {
      const form = await readForm(req)
      if (!form) return tooLarge(res)
      if (!fromSameOrigin(req)) return send(res, 403, refusedPage('Refused: this form was posted from another site.'))
      if (!auth.isToken(form.get('token') ?? '')) return send(res, 401, loginPage('Wrong token.'))
      const secure = trustProxy && req.headers['x-forwarded-proto'] === 'https'
      return redirect(res, '/admin', { 'set-cookie': auth.loginCookie(secure) })
    }
    const session = auth.session(req)
    if (!session) {
      req.resume()
      // Closed: a body that never ends must not hold the connection until the server's timeout.
      return send(res, 401, loginPage('Log in with the admin token.'), { 'www-authenticate': 'Bearer realm="popin-bridge admin"', connection: 'close' })
    }
    const csrf = auth.csrfToken(session)
    const show = async (query: { lookup?: string; key?: string; search?: string; notice?: string }) => {
      // Past MAX_PAGE the offset would overflow the database's integers ("?page=1e18"): the last page there is empty anyway.
      const pageNumber = Math.min(MAX_PAGE, Math.max(0, Math.floor(Number(url.searchParams.get('page')) || 0)))
      const [rows, dead] = await Promise.all([
        store.inbox({ limit: PAGE_SIZE + 1, offset: pageNumber * PAGE_SIZE, ...(query.lookup ? { lookup: query.lookup } : {}), ...(query.key ? { key: query.key } : {}) }),
        store.deadLetters(),
      ])
      const model = { rows: rows.slice(0, PAGE_SIZE), more: rows.length > PAGE_SIZE, dead, csrf, labels, timeZone, page: pageNumber, cookie: session !== 'bearer' }
      send(res, 200, overviewPage({ ...model, ...(query.search ? { search: query.search } : {}), ...(query.notice ? { notice: query.notice } : {}) }))
    }

    if (req.method === 'GET' && path === '/admin') {
      const uid = url.searchParams.get('uid')
      const em = url.searchParams.get('em')?.toLowerCase()
      const key = url.searchParams.get('key')
      const replayedCount = url.searchParams.get('replayed')
      const notice = replayedCount !== null ? `Replayed ${Number(replayedCount) || 0} dead letter${replayedCount === '1' ? '' : 's'}: due again now.` : undefined
      if (uid) return show({ ...byVisitor(uid), ...(notice ? { notice } : {}) })
      if (em && HEX64.test(em)) return show({ lookup: `em:${em}`, search: `email hash ${em}` })
      if (key) return show({ key, search: `id ${shortKey(key)}` })
      return show(notice ? { notice } : {})
    }
    const allowed = path === '/admin' ? 'GET' : FORMS.has(path) ? 'POST' : undefined
    if (!allowed) return send(res, 404, refusedPage('No such admin page.'))
    if (req.method !== allowed) return send(res, 405, refusedPage('Use the links and buttons of these pages.'), { allow: allowed })
    const form = await readForm(req)
    if (!form) return tooLarge(res)
    if (!fromSameOrigin(req)) return send(res, 403, refusedPage('Refused: this form was posted from another site.'))
    if (!auth.isCsrfToken(session, form.get('csrf'))) return send(res, 403, refusedPage('Refused: the form has no valid CSRF token. Reload the page and try again.'))
    if (path === '/admin/logout') return redirect(res, '/admin', { 'set-cookie': auth.logoutCookie() })
    if (path === '/admin/search') {
      const found = searchOf(form.get('q') ?? '')
      return found ? show(found) : show({ notice: 'Type a visitor id, an email or an email hash.' })
    }
    if (path === '/admin/replay') {
      const id = Number(form.get('id'))
      const count = form.get('all') === '1' ? await store.replayDead(Date.now()) : Number.isInteger(id) && id > 0 && (await store.replayDeadLetter(id, Date.now())) ? 1 : 0
      if (count) replayed()
      return redirect(res, `/admin?replayed=${count}`)
    }
    return send(res, 404, refusedPage('No such admin page.'))
  }
}

/** The pages that take a form (besides /admin/login, which needs no session). */
const FORMS = new Set(['/admin/logout', '/admin/search', '/admin/replay'])

/** A visitor id as it may be shown (Popin's ids), and its lookup key. */
function byVisitor(uid: string) {
  return { lookup: uidLookup(uid), search: isClean(uid.trim(), 'id') ? `visitor id ${uid.trim()}` : 'the visitor id typed' }
}

/**
 * What a search box holds: an email hash (64 hex), an email (hashed here as Meta's match key is,
 * neither kept nor shown), or a visitor id.
 */
export function searchOf(typed: string): { lookup: string; search: string } | undefined {
  const text = typed.trim()
  if (!text) return undefined
  if (HEX64.test(text.toLowerCase())) return { lookup: `em:${text.toLowerCase()}`, search: `email hash ${text.toLowerCase()}` }
  if (text.includes('@')) {
    const { em } = normalizeContact({ email: text })
    if (!em) return undefined
    const hash = sha256Hex(em)
    return { lookup: `em:${hash}`, search: `email hash ${hash}` }
  }
  return byVisitor(text)
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams | undefined> {
  const text = await readBody(req, MAX_FORM_BYTES)
  return text === undefined ? undefined : new URLSearchParams(text)
}

const HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  // Not no-referrer: with it, Chromium sends "Origin: null" on the pages' own form posts.
  'referrer-policy': 'same-origin',
}

/** The rest of an oversized form is not read: the connection is closed rather than left waiting. */
const tooLarge = (res: ServerResponse) => send(res, 413, refusedPage('Refused: the form is too large.'), { connection: 'close' })

function send(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}) {
  res.writeHead(status, { ...HEADERS, ...headers }).end(body)
}

function redirect(res: ServerResponse, location: string, headers: Record<string, string> = {}) {
  res.writeHead(303, { ...HEADERS, ...headers, location }).end()
}
