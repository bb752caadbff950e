import { readFileSync } from 'node:fs'
import { createServer, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'

const DIST = join(__dirname, '../../dist')

/**
 * A shop on 127.0.0.1: serves test pages registered by path, the built bundles under /dist/,
 * and a stand-in for Segment's API under /segment/v1/ that records what it receives.
 */
export async function startPageServer() {
  const pages = new Map<string, string>()
  const segment: { path: string; body: any }[] = []
  const server = createServer(async (req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname
    if (path.startsWith('/dist/')) {
      res.writeHead(200, { 'Content-Type': 'text/javascript' }).end(readFileSync(join(DIST, path.slice(6))))
    } else if (path.startsWith('/segment/v1/') && req.method === 'POST') {
      segment.push({ path: path.slice(8), body: JSON.parse(await readBody(req)) })
      res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"success":true}')
    } else if (pages.has(path)) {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(pages.get(path))
    } else res.writeHead(404).end()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  let count = 0
  return {
    origin,
    segment,
    /** Registers a page and returns its URL. */
    page(html: string): string {
      const path = `/page-${++count}.html`
      pages.set(path, html)
      return `${origin}${path}`
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = ''
    req.setEncoding('utf8')
    req.on('data', (chunk: string) => (text += chunk))
    req.on('end', () => resolve(text))
    req.on('error', reject)
  })
}
