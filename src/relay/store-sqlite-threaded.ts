import { accessSync, constants, existsSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { Worker } from 'node:worker_threads'
import type { Call, Reply } from './sqlite-thread'
import { delivery, openReadOnly, settledRow, visitRecaller, webhookRow, withLeased, type AcceptedRows, type ClaimedRow, type SqliteStore } from './store-sqlite'
import type { Store } from './store'

/**
 * The SQLite store on a thread of its own (src/relay/sqlite-thread.ts): each call is a message
 * (the relay already makes one call of many webhooks, claims or outcomes), the hot ones as flat rows.
 * An answer means what it means on the store itself: `accept` resolves once its commit is on disk.
 * `recall`, which each webhook waits for before it is stored, reads on a connection of this thread
 * (in WAL mode readers never wait for the writer): no round trip to the other thread. The admin
 * pages' searches, which may read much of the file (a visitor's webhooks), run on a reader thread
 * of their own: on the store's thread they held every webhook meanwhile (0.2-0.3 s a search at
 * 300,000 webhooks kept, seconds from a cold cache).
 */
export async function openThreadedSqliteStore(path: string): Promise<Store> {
  // The binding's own error for these is "ConnectionFailed(…: 14)".
  const folder = dirname(resolve(path))
  if (!existsSync(folder)) throw new Error(`cannot open the SQLite file ${path}: the folder ${folder} does not exist`)
  try {
    accessSync(folder, constants.W_OK)
  } catch {
    throw new Error(`cannot open the SQLite file ${path}: the folder ${folder} is not writable`)
  }
  const writer = await startThread(path, false)
  const { call } = writer
  // Started at the first admin search (most relays never open the admin pages); tried again at the
  // next one if it could not start.
  let reader: Promise<Thread> | undefined
  let closed = false
  const read = async <T>(method: keyof SqliteStore, ...args: unknown[]) => {
    if (closed) throw new Error('the SQLite store is closed')
    reader ??= startThread(path, true).catch((error) => {
      reader = undefined
      throw error
    })
    return (await reader).call<T>(method, ...args)
  }
  const recallReader = openReadOnly(path)
  return {
    accept: async (webhooks, lease) => withLeased(webhooks, await call<AcceptedRows>('acceptRows', webhooks.map(webhookRow), lease)),
    leasesAsStored: true,
    claimDue: async (now, limit, destination) => (await call<ClaimedRow[]>('claimRows', now, limit, destination)).map(delivery),
    settle: (outcomes) => call('settleRows', outcomes.map(settledRow)),
    replayDead: (now) => call('replayDead', now),
    deadLetters: () => call('deadLetters'),
    replayDeadLetter: (id, now) => call('replayDeadLetter', id, now),
    inbox: (query) => read('inbox', query),
    deliveries: (key) => read('deliveries', key),
    counts: () => call('counts'),
    backlog: () => call('backlog'),
    deadCounts: () => call('deadCounts'),
    purge: (before) => call('purge', before),
    remember: (visits, at) => call('remember', visits, at),
    recall: visitRecaller(recallReader),
    forget: (lookups) => call('forget', lookups),
    purgeVisits: (before) => call('purgeVisits', before),
    async close() {
      closed = true
      recallReader.close()
      try {
        await reader?.then((thread) => thread.stop(), () => undefined)
      } finally {
        await writer.stop()
      }
    },
  }
}

interface Thread {
  call<T>(method: keyof SqliteStore, ...args: unknown[]): Promise<T>
  /** Closes its connection and ends the thread. */
  stop(): Promise<void>
}

/** A thread of src/relay/sqlite-thread.ts on `path`: the store, or a reader (`reader`). */
async function startThread(path: string, reader: boolean): Promise<Thread> {
  const worker = new Worker(new URL('./sqlite-thread.js', import.meta.url), { workerData: { path, reader } })
  await new Promise((resolve, reject) => {
    worker.once('message', resolve)
    worker.once('error', reject)
    worker.once('exit', (code) => reject(new Error(`the SQLite thread stopped (exit code ${code})`)))
  })
  const waiting = new Map<number, { resolve: (result: unknown) => void; reject: (error: Error) => void }>()
  let broken: Error | undefined
  let next = 0
  // Calls in flight keep the process alive; an idle store does not.
  worker.unref()
  const fail = (error: Error) => {
    broken ??= error
    for (const call of waiting.values()) call.reject(broken)
    waiting.clear()
  }
  worker.on('error', fail)
  worker.on('exit', (code) => fail(new Error(`the SQLite thread stopped (exit code ${code})`)))
  worker.on('message', ([id, result, error]: Reply) => {
    const call = waiting.get(id)!
    waiting.delete(id)
    if (error) call.reject(Object.assign(new Error(error.message), error.code ? { code: error.code } : {}))
    else call.resolve(result)
    if (waiting.size === 0) worker.unref()
  })
  const call = <T>(method: keyof SqliteStore, ...args: unknown[]) =>
    new Promise<T>((resolve, reject) => {
      if (broken) return reject(broken)
      if (waiting.size === 0) worker.ref()
      const id = next++
      waiting.set(id, { resolve: resolve as (result: unknown) => void, reject })
      worker.postMessage([id, method, args] satisfies Call)
    })
  return {
    call,
    async stop() {
      await call('close')
      await worker.terminate()
    },
  }
}
