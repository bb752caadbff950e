import { describe, expect, it } from 'vitest'
import { namesDecidedInPage } from '../adapters/facebook-pixel/standard-events'
import { RESERVED_EVENT_NAMES, rulesMayRenderReservedEvents, rulesNeedNameFixes } from '../adapters/ga4/limits'
import { isClean } from '../src/privacy/policy'
import { pageAdapters } from '../adapters/index'
import { resolve } from '../src/plan/compile'
import { tagNeeds } from '../src/tag/needs'
import { DEFAULT_EVENT_ID } from '../src/config/defaults'
import { POPIN_EVENTS, WEBHOOK_EVENTS } from '../src/events/catalog'
import { toPopinEvent } from '../src/events/intake'
import { defaultEventId, eventIdReader, instantiate } from '../src/plan/instantiate'
import type { Occurrence } from '../src/plan/readers'

// What a compiled tag keeps is worked out from its plan (src/tag/needs.ts): too little would
// change what it sends (the equivalence table checks that), so these pin the analysis itself.
const plan = (config: object) => resolve(config, [], { adapters: pageAdapters, side: 'browser' })
const kept = (flags: Record<string, boolean>) => Object.keys(flags).filter((key) => flags[key])

describe('tagNeeds', () => {
  it('a rule with constants only: the shapes of the visitor, the URL and, where ids go anywhere, the id template', () => {
    const ga4 = plan({ extends: 'none', destinations: { ga4: { events: { popin_captured: { name: 'generate_lead' } } } } })
    const needs = tagNeeds(ga4, true)
    expect(kept(needs.shapes)).toEqual(['url', 'id', 'known-event'])
    expect(kept(needs.readers)).toEqual([])
    expect(needs.fields).toEqual([])
    expect(needs.ids).toBe(true)
    // GA4's calls carry no id: none is made, and the id template's check goes.
    expect([kept(tagNeeds(ga4, false).shapes), tagNeeds(ga4, false).ids]).toEqual([['url', 'id'], false])
    // Without the relay channel and the trace, nothing takes the visitor and the URL: not checked.
    expect(kept(tagNeeds(ga4, false, false).shapes)).toEqual([])
  })

  it('a rule that reads {{occurrence}} needs ids whatever its destinations carry', () => {
    const needs = tagNeeds(plan({ extends: 'none', destinations: { ga4: { events: { popin_captured: { name: 'lead', params: { n: { '@template': 'lead {{occurrence}}' } } } } } } }), false)
    expect([needs.ids, needs.shapes['known-event']]).toEqual([true, true])
  })

  it('paths, pages and templates: each one the shape of what it reads; templates name their fields', () => {
    const rule = {
      name: 'call_{{screen}}',
      params: { when: { '@path': 'time' }, where: { '@page': 'title' }, label: { '@template': '{{group}} on {{page.url}}' }, nested: { zone: { '@path': 'timezone' } }, none: null },
    }
    const needs = tagNeeds(plan({ extends: 'none', destinations: { ga4: { events: { popin_call_end: rule } } } }), true)
    expect(kept(needs.shapes).sort()).toEqual(['id', 'known-event', 'label', 'screen', 'time', 'url', 'zone'])
    expect(kept(needs.readers).sort()).toEqual(['dataVariable', 'page', 'pageVariable', 'screen'])
    // A path's class is looked up at build time: only template variables are looked up in the page.
    expect(needs.fields).toEqual([['group', 'label']])
  })

  it('a field the catalog does not list is judged as unknown; personal ones need no shape', () => {
    const needs = tagNeeds(plan({ extends: 'none', destinations: { segment: { events: { popin_captured: { name: 'Lead', params: { a: { '@path': 'email' }, b: { '@path': 'brand_new' } } } } } } }), true)
    expect(kept(needs.shapes)).toEqual(['url', 'id', 'unknown', 'known-event'])
  })

  it('payload: true reads any field: every shape and the whole catalog', () => {
    const needs = tagNeeds(plan({}), true)
    expect(Object.values(needs.shapes).every(Boolean)).toBe(true)
    expect(needs.readers.payload).toBe(true)
    expect(needs.fields).toBeUndefined()
  })
})

describe("destinations' names decided at build time", () => {
  it('GA4: fixing is left out only when every name and param is valid as written', () => {
    expect(rulesNeedNameFixes([{ name: 'generate_lead', params: { call_id: { '@path': 'callId' } } }])).toBe(false)
    expect(rulesNeedNameFixes([{ name: 'widget {{event}}' }])).toBe(true)
    expect(rulesNeedNameFixes([{}])).toBe(true)
    expect(rulesNeedNameFixes([{ name: 'page_view' }])).toBe(true)
    expect(rulesNeedNameFixes([{ name: 'ok', params: { user_id: 'x' } }])).toBe(true)
    expect(rulesNeedNameFixes([{ name: 'ok', payload: true }])).toBe(true)
  })

  it("GA4: reserved event names are checked in the page only for names that can be one", () => {
    expect(rulesMayRenderReservedEvents([{}, { name: '{{ event }}', payload: true }, { name: 'generate_lead' }])).toBe(false)
    expect(rulesMayRenderReservedEvents([{ name: 'page view' }])).toBe(true)
    expect(rulesMayRenderReservedEvents([{ name: '{{event}}_x' }])).toBe(true)
    // Why `{{event}}` alone cannot: the names the policy lets it render are never reserved ones.
    expect(RESERVED_EVENT_NAMES.filter((name) => isClean(name, 'event'))).toEqual([])
    expect(isClean('popin_call_end', 'event')).toBe(true)
  })

  it('Facebook: left to the page for a template, a custom event tracked as standard, a long custom name', () => {
    expect(namesDecidedInPage([{ name: 'Lead' }, { name: 'PopinCallRated' }, { name: 'Contact', call: 'trackCustom' }])).toBe(false)
    expect(namesDecidedInPage([{ name: 'Popin {{event}}' }])).toBe(true)
    expect(namesDecidedInPage([{ name: 'PopinCallRated', call: 'track' }])).toBe(true)
    expect(namesDecidedInPage([{ name: 'x'.repeat(51) }])).toBe(true)
  })
})

describe('defaultEventId', () => {
  // The compiled tag's id without a template reader: what the default template gives, untidied.
  it('gives what the default template gives, for every event the catalog knows and for others', () => {
    const fromTemplate = eventIdReader(DEFAULT_EVENT_ID, (text) => text)
    const names = [...POPIN_EVENTS, ...WEBHOOK_EVENTS, 'popin_call_missed', 'shop_banner_click', 'ada@example.com']
    for (const name of names) {
      const o = { event: toPopinEvent(name, {})!, page: {}, id: '43219876540123.7' } as unknown as Occurrence
      expect([name, defaultEventId(o)]).toEqual([name, fromTemplate(o)])
    }
    const known = { event: toPopinEvent('nudge_show', {})!, page: {}, id: '43219876540123.7' } as unknown as Occurrence
    expect(defaultEventId(known)).toBe('nudge_show.43219876540123.7')
  })
})

describe('instantiate outside a page', () => {
  // Only a page makes a key's calls when an event first needs them: the relay and the npm package
  // make every one at start, so that a rule that cannot be made fails before any event.
  it("makes every key's calls at once", () => {
    const made = instantiate(plan({}), pageAdapters, (text) => text)
    const tables = made.destinations.flatMap((d) => Object.values(d.sections))
    const values = tables.flatMap((table) => [...table.rules.values(), table.fallback])
    expect(values.length).toBeGreaterThan(20)
    expect(values.filter((calls) => typeof calls === 'function')).toEqual([])
  })
})
