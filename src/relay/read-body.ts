import type { IncomingMessage } from 'node:http'

/** The sender went away before its body ended (closed, reset, or timed out by the server): there is no one to answer. */
export class ClientGone extends Error {}

/** The body as text, or undefined once it passes `limit` bytes (the rest is not read). */
export function readBody(req: IncomingMessage, limit: number): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > limit) {
        resolve(undefined)
        req.pause()
        return
      }
      chunks.push(chunk)
    })
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    // Node's only error on a request's body is its connection ending early ("aborted", ECONNRESET).
    req.on('error', (error) => reject(new ClientGone(`the sender went away before the body ended: ${error.message}`)))
  })
}
