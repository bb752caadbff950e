import { readFile } from 'node:fs/promises'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { demoConfig, demoPage } from './page'
import { validateConfig } from '../index'

export interface SegmentRequest {
  path: string
  body: unknown
}

export interface DemoServer {
  url: string
  /** What the stand-in Segment API received, oldest first, by the page view that sent it. */
  segmentRequests: Map<string, SegmentRequest[]>
  close(): Promise<void>
}

const BUNDLES: Record<string, string> = {
  '/popin-bridge.min.js': 'popin-bridge.min.js',
  '/popin-bridge.lite.min.js': 'popin-bridge.lite.min.js',
  '/popin-bridge.lite.debug.js': 'popin-bridge.lite.debug.js',
  '/popin-bridge.debugger.js': 'popin-bridge.debugger.js',
}
const MAX_BODY = 64 * 1024
const MAX_KEPT = 500
/** Page views whose requests are kept: the oldest is forgotten first. */
const MAX_PAGES = 50
/** `/segment/<page view>/v1/…` and `/segment/<page view>/requests`. */
const SEGMENT_PATH = /^\/segment\/([A-Za-z0-9]{1,32})(\/v1\/.*|\/requests)$/

/**
 * The playground: `/` (full bundle) and `/lite`, the bundles from `distDir`, and a stand-in for
 * Segment's API that keeps what it receives for the page's panel. Each page view posts under a
 * path of its own (`/segment/<page view>/v1/*`), so each page shows its own requests only.
 */
export async function startDemoServer(options: { port?: number; host?: string; distDir: string }): Promise<DemoServer> {
  const segmentRequests: DemoServer['segmentRequests'] = new Map()
  let views = 0
  const server = createServer((req, res) => {
    handle(req, res).catch((error: Error) => send(res, 500, 'text/plain', error.message))
  })

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname
    const origin = `http://${req.headers.host ?? 'localhost'}`
    if (req.method === 'GET' && (path === '/' || path === '/lite')) {
      const view = `p${++views}`
      segmentRequests.set(view, [])
      for (const old of segmentRequests.keys()) if (segmentRequests.size > MAX_PAGES) segmentRequests.delete(old)
      return send(res, 200, 'text/html; charset=utf-8', demoPage(path === '/lite' ? 'lite' : 'full', demoConfig(origin, view), view))
    }
    // The schema's verdict on a config, for the page: the drop-in itself only checks shapes.
    if (req.method === 'POST' && path === '/validate') {
      return send(res, 200, 'application/json', JSON.stringify(validateConfig(safeJson(await readBody(req)))))
    }
    const bundle = BUNDLES[path]
    if (req.method === 'GET' && bundle) {
      return send(res, 200, 'text/javascript; charset=utf-8', await readFile(join(options.distDir, bundle), 'utf8'))
    }
    const [, view, rest] = SEGMENT_PATH.exec(path) ?? []
    const kept = view === undefined ? undefined : segmentRequests.get(view)
    if (kept && rest !== '/requests' && req.method === 'POST') {
      const text = await readBody(req)
      kept.push({ path: rest as string, body: safeJson(text) })
      if (kept.length > MAX_KEPT) kept.shift()
      return send(res, 200, 'application/json', '{"success":true}')
    }
    if (kept && rest === '/requests') {
      if (req.method === 'DELETE') kept.length = 0
      return send(res, 200, 'application/json', JSON.stringify(kept))
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
