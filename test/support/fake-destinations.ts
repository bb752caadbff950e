import { createServer, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import { expect } from 'vitest'
import { describeLeak, personalDataIn } from './personal-data'
import { testRunning } from './scope'

export interface Recorded {
  method: string
  /** Path and query, secrets included: the tests check they arrive. */
  url: string
  headers: IncomingMessage['headers']
  body: any
  /** What the fake answered. */
  status: number
}

export interface Answer {
  status: number
  body?: string
  headers?: Record<string, string>
  /** Wait this long before answering (a destination that times out). */
  delayMs?: number
}

type Prefix = 'meta' | 'ga4' | 'segment'

/**
 * Meta, GA4 and Segment stand-ins on 127.0.0.1 under /meta, /ga4 and /segment. Each records
 * every request; `respond` may answer a request from its content (undefined: no opinion), then
 * `answers` queues the next responses per prefix (default 200).
 */
export async function startFakeDestinations() {
  const received: Recorded[] = []
  const answers: Record<Prefix, Answer[]> = { meta: [], ga4: [], segment: [] }
  const respond: Partial<Record<Prefix, (request: { url: string; body: any }) => Answer | undefined>> = {}
  const server = createServer(async (req, res) => {
    const text = await new Promise<string>((resolve) => {
      let data = ''
      req.setEncoding('utf8')
      req.on('data', (chunk: string) => (data += chunk))
      req.on('end', () => resolve(data))
    })
    const prefix = (req.url ?? '').split('/')[1] ?? ''
    let body: unknown = text
    try {
      body = JSON.parse(text)
    } catch {
      // keep the text
    }
    const answer = respond[prefix as Prefix]?.({ url: req.url ?? '', body }) ?? answers[prefix as Prefix]?.shift() ?? defaultAnswer(req.url ?? '')
    if (answer.delayMs) await new Promise((resolve) => setTimeout(resolve, answer.delayMs))
    received.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body, status: answer.status })
    if (res.destroyed) return
    res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers }).end(answer.body ?? '{}')
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const fakes = {
    origin,
    received,
    answers,
    respond,
    /** Requests to one destination that it answered 2xx. */
    delivered: (prefix: Prefix) => received.filter((r) => r.url.startsWith(`/${prefix}/`) && r.status < 300),
    /**
     * The events in the requests one destination answered 2xx, batches taken apart: Meta's `data`
     * events, GA4's events (each with its request's client_id), Segment's messages.
     */
    messages: (prefix: Prefix, requests?: Recorded[]) => (requests ?? fakes.delivered(prefix)).flatMap((r) => messagesOf(prefix, r)),
    endpoints: { facebookPixel: `${origin}/meta/v21.0`, ga4: `${origin}/ga4`, segment: `${origin}/segment` },
    close: () =>
      new Promise<void>((resolve) => {
        if (!server.listening) return resolve()
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
  fakeDestinationsInUse.push({ fakes, checked: 0, duringTest: testRunning() })
  return fakes
}

/**
 * The occurrences sent with more than one id: events grouped by `group` (a webhook's own field),
 * each group's distinct ids. Empty when every re-sent request carried the same id.
 */
export function mixedIds(fakes: FakeDestinations, prefix: 'meta' | 'segment', group: (message: any) => string, id: (message: any) => string): string[] {
  const groups = new Map<string, Set<string>>()
  for (const message of fakes.messages(prefix, fakes.received.filter((r) => r.url.startsWith(`/${prefix}/`)))) {
    const key = group(message)
    groups.set(key, (groups.get(key) ?? new Set()).add(id(message)))
  }
  return [...groups].filter(([, ids]) => ids.size !== 1).map(([key, ids]) => `${key}: ${[...ids].join(', ')}`)
}

/** The events one request carries (see `messages`). */
export function messagesOf(prefix: Prefix, request: Pick<Recorded, 'url' | 'body'>): any[] {
  const body = request.body
  if (prefix === 'meta') return body.data
  if (prefix === 'ga4') return body.events.map((event: any) => ({ client_id: body.client_id, ...event }))
  return request.url.split('?')[0]!.endsWith('/v1/batch') ? body.batch : [body]
}

/** 200 `{}`; GA4's validation endpoint, like Google's, answers a list of messages (none: valid). */
const defaultAnswer = (url: string): Answer => (url.startsWith('/ga4/debug/mp/collect') ? { status: 200, body: '{"validationMessages":[]}' } : { status: 200 })

export type FakeDestinations = Awaited<ReturnType<typeof startFakeDestinations>>

/**
 * Every fake started and not yet released, for test/setup.ts: after each test it runs
 * `expectNoPersonalDataSent` on what each received since the last check, then closes the fakes
 * started during that test (the ones a beforeAll started are checked after each test and closed
 * after the file).
 */
export const fakeDestinationsInUse: { fakes: Pick<FakeDestinations, 'received' | 'close'>; checked: number; duringTest: boolean }[] = []
const HASH = /^[0-9a-f]{64}$/
/** The user_data keys Meta wants in clear, with the only form each may take. */
const UNHASHED: Record<string, RegExp> = {
  fbp: /^fb\.\d\.\d{10,13}\.\d{1,20}$/,
  fbc: /^fb\.\d\.\d{10,13}\.[\w-]{1,500}$/,
  client_ip_address: /^(?:\d{1,3}(?:\.\d{1,3}){3}|[0-9a-f:]{2,39})$/i,
  client_user_agent: /^[\x20-\x7e]{1,500}$/,
}

/**
 * Fails unless GA4 and Meta got no personal data in clear: every request to /ga4 (URL and body),
 * and every Meta request (URL, and each event without its user_data: event_name, event_id,
 * custom_data, event_source_url…) is searched for every form of every fixture value; Meta's
 * user_data must hold only SHA-256 hex hashes, except the browser's fbp, fbc, IP and user agent,
 * each in its own format and searched too. Segment may receive personal data: not checked.
 */
export function expectNoPersonalDataSent(fakes: Pick<FakeDestinations, 'received'>, from = 0): void {
  // One line per kind of problem (its key), with the first example: a crash test sends thousands.
  const found = new Map<string, string>()
  const problem = (key: string, line: string) => void (found.has(key) || found.set(key, line))
  const requests = fakes.received.slice(from)
  const ga4 = requests.filter((r) => r.url.startsWith('/ga4'))
  for (const leak of personalDataIn(ga4.map((r) => ({ url: r.url, body: r.body })))) problem(`ga4 ${leak.form.text}`, `GA4 got ${describeLeak(leak, 'request')}`)
  const meta = requests.filter((r) => r.url.startsWith('/meta'))
  const metaCalls = meta.map((request) => {
    const events: unknown = request.body?.data
    if (!Array.isArray(events)) return { url: request.url, body: request.body }
    const data = events.map((event) => {
      const { user_data: userData, ...others } = (event ?? {}) as Record<string, unknown>
      if (userData !== undefined && (!userData || typeof userData !== 'object' || Array.isArray(userData)))
        problem('user_data', `Meta user_data is not an object of hashes: ${JSON.stringify(userData)}`)
      const unhashed: Record<string, unknown> = {}
      for (const [key, value] of Object.entries(userData && typeof userData === 'object' ? userData : {})) {
        // The browser's ids, IP and user agent, which Meta takes unhashed: each only in its own shape,
        // and searched for personal data like the rest of the event.
        const shape = UNHASHED[key]
        if (shape) {
          if (typeof value !== 'string' || !shape.test(value)) problem(`user_data.${key}`, `Meta user_data.${key} is not in its format: ${JSON.stringify(value)}`)
          unhashed[key] = value
          continue
        }
        const hashes = Array.isArray(value) ? value : [value]
        if (hashes.length === 0 || !hashes.every((hash) => typeof hash === 'string' && HASH.test(hash)))
          problem(`user_data.${key}`, `Meta user_data.${key} is not a SHA-256 hex hash: ${JSON.stringify(value)} (event ${JSON.stringify(others.event_id ?? others.event_name)})`)
      }
      return { ...others, ...unhashed }
    })
    // Everything but user_data: event_name, event_id, custom_data, event_source_url…
    return { url: request.url, body: { ...request.body, data } }
  })
  for (const leak of personalDataIn(metaCalls)) problem(`meta ${leak.form.text}`, `Meta got ${describeLeak(leak, 'request')}`)
  const lines = [...found.values()]
  expect(lines, `personal data sent by the relay:\n  ${lines.join('\n  ')}`).toEqual([])
}
