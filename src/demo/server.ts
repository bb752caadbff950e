import { readFile } from 'node:fs/promises'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { demoConfig, demoPage } from './page'

export interface DemoServer {
  url: string
  /** What the stand-in Segment API received, oldest first. */
  segmentRequests: { path: string; body: unknown }[]
  close(): Promise<void>
}

const BUNDLES: Record<string, string> = {
  '/popin-bridge.min.js': 'popin-bridge.min.js',
  '/popin-bridge.lite.min.js': 'popin-bridge.lite.min.js',
}
const MAX_BODY = 64 * 1024
const MAX_KEPT = 500

/**
 * The playground: `/` (full bundle) and `/lite`, the bundles from `distDir`, and a stand-in for
 * Segment's API under `/segment/v1/*` that keeps what it receives for the page's panel.
 */
export async function startDemoServer(options: { port?: number; host?: string; distDir: string }): Promise<DemoServer> {
  const segmentRequests: DemoServer['segmentRequests'] = []
  const server = createServer((req, res) => {
    handle(req, res).catch((error: Error) => send(res, 500, 'text/plain', error.message))
  })

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname
    const origin = `http://${req.headers.host ?? 'localhost'}`
    if (req.method === 'GET' && (path === '/' || path === '/lite')) {
      return send(res, 200, 'text/html; charset=utf-8', demoPage(path === '/lite' ? 'lite' : 'full', demoConfig(origin)))
    }
    const bundle = BUNDLES[path]
    if (req.method === 'GET' && bundle) {
      return send(res, 200, 'text/javascript; charset=utf-8', await readFile(join(options.distDir, bundle), 'utf8'))
    }
    if (path.startsWith('/segment/v1/') && req.method === 'POST') {
      const text = await readBody(req)
      segmentRequests.push({ path: path.slice('/segment'.length), body: safeJson(text) })
      if (segmentRequests.length > MAX_KEPT) segmentRequests.shift()
      return send(res, 200, 'application/json', '{"success":true}')
    }
    if (path === '/segment/requests') {
      if (req.method === 'DELETE') segmentRequests.length = 0
      return send(res, 200, 'application/json', JSON.stringify(segmentRequests))
    }
    send(res, 404, 'text/plain', 'not found')
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve)
  })
  const { address, port } = server.address() as AddressInfo
  return {
    url: `http://${address}:${port}/`,
    segmentRequests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  }
}

function send(res: ServerResponse, status: number, type: string, body: string) {
  res.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store' }).end(body)
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = ''
    req.setEncoding('utf8')
    req.on('data', (chunk: string) => {
      text += chunk
      if (text.length > MAX_BODY) req.destroy(new Error('body too large'))
    })
    req.on('end', () => resolve(text))
    req.on('error', reject)
  })
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}
