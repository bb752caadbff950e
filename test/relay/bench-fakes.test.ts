// @vitest-environment node
import { connect } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { startFakes } from '../../bench/fake-vendors.mjs'
import { post } from '../../src/relay/post'

type Fakes = Awaited<ReturnType<typeof startFakes>>
let fakes: Fakes | undefined
afterEach(async () => {
  await fakes?.close()
  fakes = undefined
})

const JSON_HEADERS = { 'content-type': 'application/json' }

describe("bench:relay's fake vendors", () => {
  it("answer the relay's own requests (its post) and count the events each holds", async () => {
    fakes = await startFakes()
    const { origin } = fakes
    const answers = await Promise.all([
      post(`${origin}/meta/v21.0/1234567890/events`, JSON_HEADERS, JSON.stringify({ data: [{ event_name: 'a' }, { event_name: 'b' }] }), 5000),
      post(`${origin}/ga4/mp/collect?measurement_id=G-1`, JSON_HEADERS, JSON.stringify({ client_id: '1.2', events: [{ name: 'é'.repeat(5000) }] }), 5000),
      post(`${origin}/segment/v1/batch`, JSON_HEADERS, JSON.stringify({ batch: [1, 2, 3] }), 5000),
      post(`${origin}/segment/v1/identify`, JSON_HEADERS, JSON.stringify({ userId: 'u' }), 5000),
    ])
    expect(answers).toEqual(Array(4).fill({ status: 200, text: '{}', retryAfter: undefined }))
    expect(fakes.events).toEqual({ meta: 2, ga4: 1, segment: 4 })
  })

  it('read a request split anywhere, two in one packet, and answer after delayMs when it is set', async () => {
    fakes = await startFakes()
    fakes.delayMs = 150
    const body = JSON.stringify({ events: [{ name: 'x' }, { name: 'y' }] })
    const request = `POST /ga4/mp/collect HTTP/1.1\r\nhost: x\r\nContent-Length: ${body.length}\r\n\r\n${body}`
    const socket = connect(Number(new URL(fakes.origin).port), '127.0.0.1')
    let answered = ''
    socket.setEncoding('latin1').on('data', (chunk) => (answered += chunk))
    await new Promise((resolve) => socket.once('connect', resolve))
    const sent = performance.now()
    socket.write(request.slice(0, 20))
    await new Promise((resolve) => setTimeout(resolve, 20))
    socket.write(request.slice(20) + request)
    while (answered.split('HTTP/1.1 200 OK').length < 3) await new Promise((resolve) => setTimeout(resolve, 10))
    expect(performance.now() - sent).toBeGreaterThanOrEqual(150)
    socket.destroy()
    expect(answered).toBe('HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\nkeep-alive: timeout=5\r\n\r\n{}'.repeat(2))
    expect(fakes.events).toEqual({ meta: 0, ga4: 4, segment: 0 })
  })
})
