// @vitest-environment node
import { createServer, type Server, type Socket } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { ANSWER_READ_CHARS, post } from '../../src/relay/post'

// A raw TCP server, so that an answer can be cut, stalled or split where HTTP servers would not.
let server: Server | undefined
const sockets = new Set<Socket>()
afterEach(async () => {
  for (const socket of sockets) socket.destroy()
  sockets.clear()
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)))
  server = undefined
})

/** Listens on 127.0.0.1; `answer` gets each connection once the request has fully arrived. */
async function vendor(answer: (socket: Socket, request: string) => void): Promise<string> {
  server = createServer((socket) => {
    sockets.add(socket)
    // The client may hang up mid-answer (a cut answer): nothing to report on this side.
    socket.on('error', () => undefined)
    let request = ''
    socket.on('data', (chunk) => {
      request += chunk
      const head = request.indexOf('\r\n\r\n')
      const length = Number(/content-length: (\d+)/i.exec(request)?.[1] ?? 0)
      if (head >= 0 && Buffer.byteLength(request) - head - 4 >= length) answer(socket, request)
    })
  })
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve))
  const address = server.address() as { port: number }
  return `http://127.0.0.1:${address.port}/mp/collect?measurement_id=G-1`
}

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe('relay: one POST to a vendor', () => {
  it('sends the body with its byte length and reads status, text and Retry-After', async () => {
    let seen = ''
    const url = await vendor((socket, request) => {
      seen = request
      socket.write('HTTP/1.1 429 Too Many Requests\r\nRetry-After: 7\r\nContent-Length: 4\r\n\r\nslow')
    })
    expect(await post(url, { 'content-type': 'application/json' }, '{"name":"café"}', 2000)).toEqual({ status: 429, text: 'slow', retryAfter: '7' })
    expect(seen).toMatch(/^POST \/mp\/collect\?measurement_id=G-1 HTTP\/1\.1\r\n/)
    expect(seen).toContain('content-length: 16\r\n')
    expect(seen.endsWith('\r\n\r\n{"name":"café"}')).toBe(true)
  })

  it('decodes a character whose bytes arrive in two chunks', async () => {
    const bytes = Buffer.from('{"ok":"déjà vu"}')
    const cut = bytes.indexOf(0xc3) + 1
    const url = await vendor(async (socket) => {
      socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${bytes.length}\r\n\r\n`)
      socket.write(bytes.subarray(0, cut))
      await wait(50)
      socket.write(bytes.subarray(cut))
    })
    expect((await post(url, {}, '{}', 2000)).text).toBe('{"ok":"déjà vu"}')
  })

  it('skips an informational answer (103 Early Hints) before the real one', async () => {
    const url = await vendor((socket) => socket.write('HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n'))
    expect(await post(url, {}, '{}', 2000)).toEqual({ status: 204, text: '', retryAfter: undefined })
  })

  it('keeps the start of a long answer and reads it to its end: the connection stays open for the next request', async () => {
    const long = 'x'.repeat(20_000)
    let closed = false
    const url = await vendor(async (socket) => {
      socket.on('close', () => (closed = true))
      socket.write(`HTTP/1.1 400 Bad Request\r\nContent-Length: ${long.length}\r\n\r\n`)
      for (let at = 0; at < long.length; at += 1000) {
        socket.write(long.slice(at, at + 1000))
        await wait(2)
      }
    })
    const { status, text } = await post(url, {}, '{}', 2000)
    expect(status).toBe(400)
    expect(text.length).toBeGreaterThanOrEqual(ANSWER_READ_CHARS)
    expect(text.length).toBeLessThan(long.length)
    expect(long.startsWith(text)).toBe(true)
    await wait(100)
    expect(closed).toBe(false)
  })

  it('cuts an answer that never ends (past MAX_ANSWER_BYTES), and closes its connection', async () => {
    let closed = false
    const url = await vendor(async (socket) => {
      socket.on('close', () => (closed = true))
      socket.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n')
      const chunk = 'y'.repeat(64 * 1024)
      while (!closed) {
        socket.write(`${chunk.length.toString(16)}\r\n${chunk}\r\n`)
        await wait(1)
      }
    })
    const { status, text } = await post(url, {}, '{}', 2000)
    expect(status).toBe(200)
    expect(text.startsWith('yyyy')).toBe(true)
    expect(text.length).toBeLessThanOrEqual(ANSWER_READ_CHARS + 64 * 1024)
    await expect.poll(() => closed).toBe(true)
  })

  it('cuts an answer that trickles in, a byte at a time, past the timeout since its headers', async () => {
    let closed = false
    const url = await vendor(async (socket) => {
      socket.on('close', () => (closed = true))
      socket.write('HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n')
      while (!closed) {
        socket.write('z')
        await wait(100)
      }
    })
    const asked = Date.now()
    const { status, text } = await post(url, {}, '{}', 300)
    expect([status, /^z+$/.test(text)]).toEqual([200, true])
    expect(Date.now() - asked).toBeLessThan(1000)
    await expect.poll(() => closed).toBe(true)
  })

  it('rejects when the vendor refuses the connection', async () => {
    const url = await vendor(() => undefined)
    await new Promise((resolve) => server!.close(resolve))
    server = undefined
    await expect(post(url, {}, '{}', 2000)).rejects.toMatchObject({ code: 'ECONNREFUSED' })
  })

  it('rejects an answer cut short by the vendor closing the connection', async () => {
    const url = await vendor((socket) => {
      socket.write('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{"partial":')
      socket.destroy()
    })
    await expect(post(url, {}, '{}', 2000)).rejects.toMatchObject({ code: 'UND_ERR_SOCKET' })
  })

  it('gives up on a vendor that never answers, or stops in the middle of its answer', async () => {
    const silent = await vendor(() => undefined)
    await expect(post(silent, {}, '{}', 300)).rejects.toThrow('no answer within 300 ms')
    await new Promise((resolve) => server!.close(resolve))
    for (const socket of sockets) socket.destroy()
    const stalled = await vendor((socket) => socket.write('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{"partial":'))
    await expect(post(stalled, {}, '{}', 300)).rejects.toThrow('no answer within 300 ms')
  })
})
