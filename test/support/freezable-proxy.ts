import { connect, createServer, type Socket } from 'node:net'

/**
 * A TCP proxy on 127.0.0.1 to `port` that can freeze: from `freeze()` on, what either side of any
 * connection sends is dropped and nothing is closed, as with a server behind a cut network or on a
 * frozen host (its sockets stay open, nothing answers). `thaw()` lets new connections through
 * again; those open when it froze stay frozen.
 */
export async function startFreezableProxy(port: number) {
  let frozen = false
  const sockets = new Set<Socket>()
  const cuts = new Set<() => void>()
  const track = (socket: Socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.on('error', () => undefined)
  }
  const server = createServer((client) => {
    track(client)
    // Accepted, read, never answered.
    if (frozen) return void client.resume()
    const upstream = connect(port, '127.0.0.1')
    track(upstream)
    let cut = false
    cuts.add(() => (cut = true))
    for (const [from, to] of [[client, upstream], [upstream, client]] as const) {
      from.on('data', (chunk) => cut || to.write(chunk))
      from.on('end', () => cut || to.end())
      from.on('close', () => cut || to.destroy())
    }
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  return {
    port: typeof address === 'object' && address ? address.port : 0,
    freeze() {
      frozen = true
      for (const cut of cuts) cut()
      cuts.clear()
    },
    thaw: () => void (frozen = false),
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => resolve())
      }),
  }
}
