// @vitest-environment node
import * as fs from 'node:fs'
import { mkdtempSync, readlinkSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, expect, it, vi } from 'vitest'
import { openSqliteStore } from '../../src/relay/store-sqlite'

// The real fdatasync, behind a spy the test can slow down.
vi.mock('node:fs', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs')>()
  return { ...real, fdatasync: vi.fn(real.fdatasync) }
})

const folders: string[] = []
afterEach(() => folders.splice(0).forEach((folder) => rmSync(folder, { recursive: true, force: true })))

it("answers accept only once the write-ahead log holding its commit is flushed to disk (the README's promise before each 200)", async () => {
  const folder = mkdtempSync(join(tmpdir(), 'popin-flush-'))
  folders.push(folder)
  const path = join(folder, 'relay.db')
  const store = openSqliteStore(path)
  const sync = vi.mocked(fs.fdatasync)
  const real = (await vi.importActual<typeof import('node:fs')>('node:fs')).fdatasync
  const flushed: string[] = []
  // A slow disk: the flush ends 100 ms later.
  sync.mockImplementation(((fd: number, done: (error: NodeJS.ErrnoException | null) => void) => {
    const file = readlinkSync(`/proc/self/fd/${fd}`)
    setTimeout(() => real(fd, (error) => (flushed.push(file), done(error))), 100)
  }) as typeof fs.fdatasync)
  try {
    const webhook = { key: 'k1', event: 'popin_call_missed', body: '{}', receivedAt: Date.now(), entries: [] }
    const accepted = store.accept([webhook])
    const settledFirst = await Promise.race([accepted.then(() => 'accepted'), new Promise((resolve) => setTimeout(() => resolve('still waiting'), 50))])
    expect(settledFirst).toBe('still waiting')
    expect(await accepted).toEqual(['stored'])
    expect(flushed).toEqual([`${path}-wal`])
  } finally {
    sync.mockRestore()
    await store.close()
  }
})

it('a flush that fails frees the rows it leased as they were stored: a claim takes them, as any committed row', async () => {
  const folder = mkdtempSync(join(tmpdir(), 'popin-flush-'))
  folders.push(folder)
  const store = openSqliteStore(join(folder, 'relay.db'))
  const sync = vi.mocked(fs.fdatasync)
  sync.mockImplementation(((_fd: number, done: (error: NodeJS.ErrnoException | null) => void) => {
    setImmediate(() => done(Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' })))
  }) as typeof fs.fdatasync)
  const request = { url: 'http://127.0.0.1:1/', headers: {}, body: {} }
  const webhook = { key: 'k1', event: 'popin_call_missed', body: '{}', receivedAt: 1000, entries: [{ destination: 'ga4', seq: 0, request, eventTime: 1000 }] }
  try {
    // A claim while the flush is under way finds the row leased.
    const accepted = store.accept([webhook], ['ga4'])
    expect(await store.claimDue(2000, 10)).toEqual([])
    await expect(accepted).rejects.toThrow('EIO: i/o error, fdatasync')
    expect(webhook.entries[0]).not.toHaveProperty('id')
    sync.mockRestore()
    expect((await store.claimDue(2000, 10)).map((d) => [d.key, d.destination])).toEqual([['k1', 'ga4']])
  } finally {
    sync.mockRestore()
    await store.close()
  }
})
