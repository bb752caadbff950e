import { describe, expect, it } from 'vitest'
import { toPopinEvent } from '../src/events/intake'
import { safeCopy, safePayload } from '../src/lib/safe-copy'

const intake = (name: unknown, data?: unknown) => toPopinEvent(name, data)

describe('event intake', () => {
  it('classifies catalog events, folding the popin_call_missed alias', () => {
    expect(intake('popin_call_end', { uid: 'u1', callId: 'c9', invited: false })).toEqual({
      name: 'popin_call_end',
      kind: 'known',
      data: { uid: 'u1', callId: 'c9', invited: false },
    })
    expect(intake('popin_call_missed', { uid: 'u1' })).toMatchObject({ name: 'popin_expert_busy', kind: 'known' })
  })

  it('recognises a screen event by its payload, whatever its name', () => {
    expect(intake('popin_screen_change', { uid: 'u1', screen: 'SCREEN_CHAT' })).toMatchObject({ kind: 'screen', screen: 'SCREEN_CHAT' })
    expect(intake('nudge_open', { screen: 'SCREEN_NEW_ONE' })).toMatchObject({ kind: 'screen', screen: 'SCREEN_NEW_ONE' })
    expect(intake('whatever', { screen: 42 })).toMatchObject({ kind: 'unknown', data: { screen: 42 } })
    expect(intake('whatever', { screen: '' })).toMatchObject({ kind: 'unknown' })
  })

  it('keeps unknown events with their payload', () => {
    expect(intake('popin_widget_open', { uid: 'u2' })).toMatchObject({ name: 'popin_widget_open', kind: 'unknown', data: { uid: 'u2' } })
  })

  it('takes __proto__, constructor and toString as unknown event names like any other', () => {
    for (const name of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
      expect(intake(name, { uid: 'u-1' })).toEqual({ name, kind: 'unknown', data: { uid: 'u-1' } })
    }
  })

  it('rejects calls without a usable name', () => {
    for (const name of [undefined, null, 42, {}, [], '', '   ']) expect(intake(name, {})).toBeNull()
  })

  it('turns any non-object payload into {}', () => {
    for (const data of [undefined, null, 'text', 7, ['a'], () => 1, new Date(0)]) expect(intake('nudge_show', data)?.data).toEqual({})
  })
})

describe('safeCopy', () => {
  it('drops prototype keys and never pollutes Object.prototype', () => {
    const hostile = JSON.parse('{"__proto__": {"polluted": true}, "constructor": {"prototype": {"x": 1}}, "uid": "u"}')
    const copy = safePayload(hostile)
    expect(copy).toEqual({ uid: 'u' })
    expect(Object.keys(copy)).toEqual(['uid'])
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  })

  it('cuts long strings, deep nesting, wide objects and long arrays', () => {
    expect((safeCopy('x'.repeat(1_000_000)) as string).length).toBe(1000)
    expect(safeCopy({ a: { b: { c: { d: { e: 1 } } } } })).toEqual({ a: { b: { c: {} } } })
    const wide = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`k${i}`, i]))
    expect(Object.keys(safeCopy(wide) as object)).toHaveLength(64)
    expect(safeCopy(Array.from({ length: 100 }, (_, i) => i))).toHaveLength(64)
  })

  it('survives cycles, throwing getters and non-JSON values', () => {
    const cyclic: Record<string, unknown> = { uid: 'u' }
    cyclic.self = cyclic
    expect(safeCopy(cyclic)).toEqual({ uid: 'u', self: { uid: 'u', self: { uid: 'u', self: { uid: 'u' } } } })
    const trap = Object.defineProperty({ ok: 1 }, 'bad', { enumerable: true, get: () => { throw new Error('boom') } })
    expect(safeCopy(trap)).toEqual({ ok: 1 })
    expect(safeCopy({ f: () => 1, n: NaN, i: Infinity, s: Symbol('x'), u: undefined, b: 10n, ok: true })).toEqual({ ok: true })
  })
})
