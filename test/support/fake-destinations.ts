import { createServer, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'

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

/**
 * Meta, GA4 and Segment stand-ins on 127.0.0.1 under /meta, /ga4 and /segment. Each records
 * every request; `answers` queues the next responses per prefix (default 200).
 */
export async function startFakeDestinations() {
  const received: Recorded[] = []
  const answers: Record<'meta' | 'ga4' | 'segment', Answer[]> = { meta: [], ga4: [], segment: [] }
  const server = createServer(async (req, res) => {
    const text = await new Promise<string>((resolve) => {
      let data = ''
      req.setEncoding('utf8')
      req.on('data', (chunk: string) => (data += chunk))
      req.on('end', () => resolve(data))
    })
    const prefix = (req.url ?? '').split('/')[1] ?? ''
    const answer = answers[prefix as keyof typeof answers]?.shift() ?? { status: 200 }
    if (answer.delayMs) await new Promise((resolve) => setTimeout(resolve, answer.delayMs))
    let body: unknown = text
    try {
      body = JSON.parse(text)
    } catch {
      // keep the text
    }
    received.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body, status: answer.status })
    if (res.destroyed) return
    res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers }).end(answer.body ?? '{}')
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    origin,
    received,
    answers,
    /** Requests to one destination that it answered 2xx. */
    delivered: (prefix: 'meta' | 'ga4' | 'segment') => received.filter((r) => r.url.startsWith(`/${prefix}/`) && r.status < 300),
    endpoints: { facebookPixel: `${origin}/meta/v21.0`, ga4: `${origin}/ga4`, segment: `${origin}/segment` },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
