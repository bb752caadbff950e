import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import Ajv from 'ajv'
import { describe, expect, it, vi } from 'vitest'
import { fullAdapters } from '../adapters/full'
import { configJsonSchema, defaultPreset, formatProblems, validateConfig } from '../src/index'
import { compile } from '../src/plan/compile'
import { bridgeFor, installFakeVendors, makeWindow, type TestWindow } from './helpers'

const dir = join(__dirname, 'fixtures/configs')
const read = (path: string) => readFileSync(join(dir, path), 'utf8')
const fixtures = (kind: 'valid' | 'invalid') =>
  readdirSync(join(dir, kind))
    .filter((file) => file.endsWith('.json'))
    .map((file) => file.slice(0, -5))
const schemaCheck = new Ajv({ allErrors: true, strict: false }).compile(configJsonSchema())
const hash = (text: string) => `h(${text})`
/** Ids in a test page: the random part of the occurrence id is "00". */
const fixedIds = (win: TestWindow) => vi.spyOn(win.crypto, 'getRandomValues').mockImplementation(((array: Uint32Array) => array.fill(0)) as never)

describe('valid configs', () => {
  it.each(fixtures('valid'))('%s has no problems and matches the JSON Schema', (name) => {
    const config = JSON.parse(read(`valid/${name}.json`))
    expect(validateConfig(config)).toEqual([])
    expect(schemaCheck(config), JSON.stringify(schemaCheck.errors)).toBe(true)
  })

  it('the built-in preset itself is valid and matches the schema', () => {
    const preset = defaultPreset()
    expect(validateConfig({ extends: 'none', ...preset })).toEqual([])
    expect(schemaCheck(preset), JSON.stringify(schemaCheck.errors)).toBe(true)
  })
})

describe('invalid configs: every problem at once, each with its JSON path', () => {
  it.each(fixtures('invalid'))('%s', (name) => {
    const config = JSON.parse(read(`invalid/${name}.json`))
    expect(formatProblems(validateConfig(config))).toBe(read(`invalid/${name}.txt`).trimEnd())
    expect(schemaCheck(config)).toBe(false)
  })
})

describe('how config problems affect a running bridge', () => {
  it('disables only the broken destination, with one console error listing every problem', () => {
    const win = makeWindow()
    const calls = installFakeVendors(win)
    const { bridge, console } = bridgeFor(win, {
      destinations: { ga4: { measurementId: 'UA-1', events: { nudge_show: { name: 'page view' } } }, segment: { events: { nudge_show: { name: 'Nudge Seen' } } } },
    })
    expect(bridge.destinations).toEqual(['facebookPixel', 'segment', 'dataLayer'])
    expect(console.error).toHaveBeenCalledTimes(1)
    expect(console.error.mock.calls[0]![0]).toBe(
      '[popin-bridge] the config has 2 problem(s). Disabled until fixed: ga4.\n' +
        'destinations.ga4.events.nudge_show.name: GA4 event names start with a letter and hold only letters, digits and underscores, at most 40 characters\n' +
        'destinations.ga4.measurementId: must look like "G-XXXXXXX"',
    )
    win.popinEvent('nudge_show', { uid: 'u1' })
    expect(calls.gtag).toEqual([])
    expect(calls.analytics).toEqual([['track', 'Nudge Seen', { popin_uid: 'u1' }]])
  })

  it('falls back to the default for a bad global setting and keeps every destination', () => {
    const win = makeWindow()
    fixedIds(win)
    const calls = installFakeVendors(win)
    const { bridge } = bridgeFor(win, { eventId: 'fixed' } as never)
    expect(bridge.problems).toEqual([{ path: 'eventId', message: 'must contain {{occurrence}}, so that each event occurrence has its own id' }])
    expect(bridge.destinations).toEqual(['facebookPixel', 'ga4', 'segment', 'dataLayer'])
    win.popinEvent('popin_call_end', { uid: 'u1' })
    expect(calls.fbq.at(-1)).toEqual(['track', 'Contact', { content_name: 'Popin video call' }, { eventID: 'popin_call_end.00.0' }])
  })

  it('a problem in one consent key keeps the others: a typo never switches consent off', () => {
    const { plan, problems } = compile({ consent: { required: true, follow: 'onetrust' } }, { adapters: fullAdapters, side: 'browser', hash })
    expect(problems).toEqual([{ path: 'consent.follow', message: 'must be one of "tcf", "google"' }])
    expect(plan.consent).toEqual({ required: true })
  })

  it('extends the preset as a JSON merge patch: objects merge, null removes, rules replace', () => {
    const win = makeWindow()
    fixedIds(win)
    const calls = installFakeVendors(win)
    const { bridge } = bridgeFor(win, {
      destinations: {
        ga4: { events: { popin_captured: { params: { popin_group: null, page: { '@page': 'path' } } }, nudge_show: false } },
        facebookPixel: null,
        segment: { enabled: false },
      },
    })
    expect(bridge.problems).toEqual([])
    expect(bridge.destinations).toEqual(['ga4', 'dataLayer'])
    win.popinEvent('popin_captured', { uid: 'u1', group: 'sofas', email: 'a@b.co' })
    win.popinEvent('nudge_show', { uid: 'u1' })
    win.popinEvent('popin_call_end', { uid: 'u1', callId: 'c1' })
    expect(calls.gtag).toEqual([
      ['event', 'generate_lead', { lead_source: 'popin', popin_uid: 'u1', page: '/product/42' }],
      ['event', 'popin_call_end', { call_id: 'c1', popin_uid: 'u1' }],
    ])
    expect(calls.fbq).toEqual([])
  })

  it('"extends": "none" starts from nothing', () => {
    const { plan } = compile({ extends: 'none', destinations: { dataLayer: {} } }, { adapters: fullAdapters, side: 'browser', hash })
    expect(plan.destinations.map((d) => d.adapter.name)).toEqual(['dataLayer'])
    expect(plan.destinations[0]!.sections.events.rules.size).toBe(0)
    expect(plan.destinations[0]!.sections.events.fallback).toEqual({ reason: 'no rule at events.*' })
  })

  it('rules written for the alias popin_call_missed apply to popin_expert_busy', () => {
    const win = makeWindow()
    const calls = installFakeVendors(win)
    bridgeFor(win, { destinations: { segment: { events: { popin_call_missed: { name: 'Expert Missed' } } } } })
    win.popinEvent('popin_expert_busy', { uid: 'u1' })
    expect(calls.analytics).toEqual([['track', 'Expert Missed', { popin_uid: 'u1' }]])
  })

  it('"@path" reads own payload fields only, through objects but not arrays or prototypes', () => {
    const win = makeWindow()
    const calls = installFakeVendors(win)
    const read = (path: string) => ({ '@path': path })
    const params = { nested: read('cart.total'), inherited: read('toString'), deepInherited: read('cart.constructor'), item: read('items.0'), missing: read('cart.total.x') }
    bridgeFor(win, { extends: 'none', destinations: { segment: { events: { '*': { name: 'Read', params } } } } })
    win.popinEvent('custom', { cart: { total: 12 }, items: ['a'] })
    expect(calls.analytics).toEqual([['track', 'Read', { nested: 12 }]])
  })

  it('destinations.x: null removes a destination, as typed and documented', () => {
    expect(validateConfig({ destinations: { facebookPixel: null } })).toEqual([])
    const { plan } = compile({ destinations: { facebookPixel: null } }, { adapters: fullAdapters, side: 'browser', hash })
    expect(plan.destinations.map((d) => d.adapter.name)).toEqual(['ga4', 'segment', 'dataLayer'])
  })
})
