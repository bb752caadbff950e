// @vitest-environment node
import { describe, expect, it } from 'vitest'
import { sameTurn } from '../../src/relay/same-turn'

describe('sameTurn: the calls of one turn of the event loop, answered by one run', () => {
  it('runs once per turn with every argument in order, and answers each call with its own answer', async () => {
    const runs: number[][] = []
    const double = sameTurn(async (args: number[]) => (runs.push(args), args.map((n) => n * 2)))
    expect(await Promise.all([double(1), double(2), double(3)])).toEqual([2, 4, 6])
    expect(await double(4)).toBe(8)
    expect(runs).toEqual([[1, 2, 3], [4]])
  })

  it('fails every call of a turn whose run fails, and the next turn runs again', async () => {
    let fail = true
    const echo = sameTurn(async (args: string[]) => {
      if (fail) throw new Error('database unreachable')
      return args
    })
    const results = await Promise.allSettled([echo('a'), echo('b')])
    expect(results.map((r) => (r.status === 'rejected' ? (r.reason as Error).message : r.value))).toEqual(['database unreachable', 'database unreachable'])
    fail = false
    expect(await echo('c')).toBe('c')
  })
})
