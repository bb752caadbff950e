// Meta, GA4 and Segment stand-ins for bench:relay, answering 200 on node:net rather than node:http.
// They share the machine's two cores with the relay, where real vendors run elsewhere: node:http
// cost 35-38 µs of CPU a request here, this 18-25 (scratch, 40,000 undici requests a GA4 body),
// and GA4 takes a request a webhook. It reads only what the relay sends: HTTP/1.1 requests with a
// content-length body, one at a time on a keep-alive connection.
import net from 'node:net'

export const DESTINATIONS = ['meta', 'ga4', 'segment']
const ANSWER = Buffer.from('HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\nkeep-alive: timeout=5\r\n\r\n{}')
const END_OF_HEAD = Buffer.from('\r\n\r\n')

/** Events one request holds: Meta's `data`, GA4's `events`, Segment's `batch`, else one. */
function eventsIn(body) {
  try {
    const parsed = JSON.parse(body)
    return parsed.data?.length ?? parsed.events?.length ?? parsed.batch?.length ?? 1
  } catch {
    return 1
  }
}

/**
 * Counts each destination's events (`events`, by the path's first segment) and answers each
 * request at once, or after `delayMs` (set on the result) as a vendor that far away would.
 */
export function startFakes() {
  const events = Object.fromEntries(DESTINATIONS.map((d) => [d, 0]))
  const fakes = { events, delayMs: 0 }
  const sockets = new Set()
  const server = net.createServer((socket) => {
    let pending = Buffer.alloc(0)
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.on('error', () => {})
    socket.on('data', (chunk) => {
      pending = pending.length ? Buffer.concat([pending, chunk]) : chunk
      for (;;) {
        const headEnd = pending.indexOf(END_OF_HEAD)
        if (headEnd < 0) return
        const head = pending.toString('latin1', 0, headEnd)
        const length = /\r\ncontent-length: *(\d+)/i.exec(head)?.[1]
        if (length === undefined) throw new Error(`bench:relay: the fake vendors read content-length bodies only; got ${JSON.stringify(head)}`)
        const bodyEnd = headEnd + END_OF_HEAD.length + Number(length)
        if (pending.length < bodyEnd) return
        const path = head.split(' ', 2)[1]
        const destination = DESTINATIONS.find((d) => path.startsWith(`/${d}/`))
        if (!destination) throw new Error(`bench:relay: no fake vendor at ${path}`)
        events[destination] += eventsIn(pending.toString('utf8', headEnd + END_OF_HEAD.length, bodyEnd))
        pending = pending.subarray(bodyEnd)
        if (fakes.delayMs) setTimeout(() => socket.write(ANSWER), fakes.delayMs)
        else socket.write(ANSWER)
      }
    })
  })
  // Keep-alive connections left open would hold close() until the client drops them.
  const close = () => new Promise((resolve) => (server.close(resolve), sockets.forEach((socket) => socket.destroy())))
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(Object.assign(fakes, { close, origin: `http://127.0.0.1:${server.address().port}` }))))
}
