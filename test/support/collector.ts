import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface Received {
  method: string
  path: string
  body: any
}

/** A stand-in for Segment's API on 127.0.0.1: records every request, answers CORS like Segment. */
export async function startCollector(): Promise<{ url: string; received: Received[]; close(): Promise<void>; waitFor(count: number): Promise<Received[]> }> {
  const received: Received[] = []
  const server: Server = createServer(async (req, res) => {
    res.setHeader('Access-Control-Allow-Origin', req.headers.origin ?? '*')
    res.setHeader('Access-Control-Allow-Headers', 'Content-Type')
    res.setHeader('Access-Control-Allow-Methods', 'POST, OPTIONS')
    if (req.method === 'OPTIONS') return res.writeHead(204).end()
    const text = await readBody(req)
    received.push({ method: req.method ?? '', path: req.url ?? '', body: text ? JSON.parse(text) : undefined })
    res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"success":true}')
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    close: () => new Promise((resolve) => server.close(() => resolve())),
    async waitFor(count) {
      const deadline = Date.now() + 5000
      while (received.length < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
      return received
    },
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = ''
    req.setEncoding('utf8')
    req.on('data', (chunk) => (text += chunk))
    req.on('end', () => resolve(text))
    req.on('error', reject)
  })
}
