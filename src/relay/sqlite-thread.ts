// The worker threads the SQLite store runs on (src/relay/store-sqlite-threaded.ts starts them), so
// that the relay's own thread only answers HTTP and forwards, and SQLite works on another core: the
// store itself, or (`reader`) a read-only connection for the admin pages' searches, which may read
// much of the file and must not hold the writer meanwhile.
import { parentPort, workerData } from 'node:worker_threads'
import { inboxReader, openReadOnly, openSqliteStore, type SqliteStore } from './store-sqlite'

/** A call: its number, the store's method, the arguments. */
export type Call = [id: number, method: keyof SqliteStore, args: unknown[]]
/** An answer to call `id`: its result, or the error it threw. */
export type Reply = [id: number, result: unknown, error?: { message: string; code?: string }]

function openReader(path: string) {
  const db = openReadOnly(path)
  return { ...inboxReader(db), close: async () => void db.close() }
}

const port = parentPort!
const store: Partial<SqliteStore> = workerData.reader ? openReader(workerData.path) : openSqliteStore(workerData.path)
port.postMessage('ready')

port.on('message', ([id, method, args]: Call) => {
  ;(store[method] as (...args: unknown[]) => Promise<unknown>)(...args).then(
    (result) => port.postMessage([id, result] satisfies Reply),
    (error: Error & { code?: string }) => port.postMessage([id, undefined, { message: error?.message ?? String(error), ...(error?.code ? { code: error.code } : {}) }] satisfies Reply),
  )
})
