import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import Ajv from 'ajv'
import { describe, expect, it } from 'vitest'
import { configJsonSchema, defaultPreset, formatProblems, validateConfig } from '../src/index'
import { resolveConfig } from '../src/mapping/config'
import { fullAdapters } from '../adapters/full'
import { bridgeFor, installFakeVendors, makeWindow } from './helpers'

const dir = join(__dirname, 'fixtures/configs')
const read = (path: string) => readFileSync(join(dir, path), 'utf8')
const fixtures = (kind: 'valid' | 'invalid') =>
  readdirSync(join(dir, kind))
    .filter((file) => file.endsWith('.json'))
    .map((file) => file.slice(0, -5))
const schemaCheck = new Ajv({ allErrors: true, strict: false }).compile(configJsonSchema())

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
  })

  it.each(['not-an-object', 'unknown-keys', 'bad-globals', 'bad-settings', 'bad-rules', 'bad-params'])(
    'the JSON Schema also rejects %s, so editors flag it while typing',
    (name) => {
      expect(schemaCheck(JSON.parse(read(`invalid/${name}.json`)))).toBe(false)
    },
  )
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
        'destinations.ga4.measurementId: must look like "G-XXXXXXX"\n' +
        'destinations.ga4.events.nudge_show.name: GA4 event names start with a letter and hold only letters, digits and underscores',
    )
    win.popinEvent('nudge_show', { uid: 'u1' })
    expect(calls.gtag).toEqual([])
    expect(calls.analytics).toEqual([['track', 'Nudge Seen', { popin_uid: 'u1' }]])
  })

  it('falls back to the default for a bad global setting and keeps every destination', () => {
    const win = makeWindow()
    const calls = installFakeVendors(win)
    const { bridge } = bridgeFor(win, { eventId: 'fixed' } as never)
    expect(bridge.destinations).toEqual(['facebookPixel', 'ga4', 'segment', 'dataLayer'])
    win.popinEvent('popin_call_end', { uid: 'u1' })
    expect(calls.fbq.at(-1)).toEqual(['track', 'Contact', { content_name: 'Popin video call' }, { eventID: 'Contact.u1' }])
  })

  it('extends the preset as a JSON merge patch: objects merge, null removes, rules replace', () => {
    const resolved = resolveConfig(
      {
        destinations: {
          ga4: { events: { popin_captured: { params: { popin_group: null, page: { '@page': 'path' } } }, nudge_show: false } },
          facebookPixel: null,
          segment: { enabled: false },
        },
      },
      fullAdapters,
    )
    expect(resolved.destinations.map((d) => d.adapter.name)).toEqual(['ga4', 'dataLayer'])
    const ga4 = resolved.destinations[0]!.config
    expect(ga4.events?.popin_captured).toEqual({ name: 'generate_lead', params: { lead_source: 'popin', popin_uid: { '@path': 'uid' }, page: { '@page': 'path' } } })
    expect(ga4.events?.nudge_show).toBe(false)
    expect(ga4.events?.popin_call_end).toEqual(defaultPreset().destinations!.ga4!.events!.popin_call_end)
  })

  it('"extends": "none" starts from nothing', () => {
    const resolved = resolveConfig({ extends: 'none', destinations: { dataLayer: {} } }, fullAdapters)
    expect(resolved.destinations.map((d) => d.adapter.name)).toEqual(['dataLayer'])
    expect(resolved.destinations[0]!.config).toEqual({})
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
})
