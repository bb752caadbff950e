import { describe, expect, it } from 'vitest'
import { bridgeFor, fixIds, installFakeVendors, makeWindow } from './helpers'
import { expectNoPersonalData, PERSONAL_FIXTURE_VALUES } from './support/personal-data'

/**
 * Every personal value of the fixtures, put where a page or a widget could put it: in each
 * documented field that is not personal (as the value, and as a slug), in Popin's ids and in
 * fields nobody documented (as given, with a phone number added, as numbers), in event names and
 * screen ids, in the page's URL. GA4 and Facebook (custom data, names, ids) must get none of them,
 * in any form (test/support/personal-data.ts). Out of scope, as README "Personal data: the rule"
 * says: the shop's own labels (`group`, `product`), field names, and a value written as a machine
 * id (a postcode such as "nw1_6xe" looks like one).
 */
const slug = (text: string) => text.toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_+|_+$/g, '')

/** What the rule lets pass in an id by design: a letter and a digit, no spaces ("NW1"). */
const machineLike = (value: string) => /^[A-Za-z0-9_.:-]+$/.test(value) && /\d/.test(value) && /[A-Za-z]/.test(value)

const placements = (value: string): [string, Record<string, unknown>][] => {
  const s = slug(value)
  const asId = machineLike(value) ? 'u-1' : value
  return [
    ['popin_permission_given', { uid: 'u-1', audio: value, video: s }],
    ['popin_rating_done', { uid: 'u-1', rating: value }],
    ['popin_schedule_created', { uid: 'u-1', time: value, timezone: value }],
    ['popin_schedule_created', { uid: 'u-1', time: `${s} 3pm`, timezone: s }],
    ['popin_call_end', { uid: asId, callId: asId, invited: value }],
    ['popin_call_end', { uid: `${s}-9876543210`, callId: `${s}_411001` }],
    ['popin_captured', { uid: 'u-1', country: value, name: value, email: value }],
    ['popin_screen', { uid: 'u-1', screen: value }],
    ['popin_widget_open', { uid: 'u-1', note: asId, who: `${s}_9876543210`, nested: { who: asId } }],
    ['popin_widget_open', { uid: 'u-1', phone: 9876543210, pin: 411001 }],
    [value, { uid: 'u-1' }],
    [`popin_${slug(value)}_9876543210`, { uid: 'u-1' }],
  ]
}

describe('no personal value reaches GA4 or Facebook, wherever the page puts it', () => {
  it.each(PERSONAL_FIXTURE_VALUES.map(({ kind, value }) => [kind, value]))('%s %j', (_kind, value) => {
    const win = makeWindow(`https://shop.example/product/42?name=${encodeURIComponent(value)}#${encodeURIComponent(value)}`)
    fixIds(win)
    const calls = installFakeVendors(win)
    bridgeFor(win, {
      destinations: {
        facebookPixel: { pixelId: '1234567890', events: { '*': { name: 'PopinOther', payload: true } }, screens: { '*': { name: 'PopinScreen', params: { screen: { '@path': 'screen' } } } } },
        ga4: { events: { '*': { name: '{{event}}', payload: true, params: { page: { '@page': 'url' }, ref: { '@page': 'referrer' } } } } },
      },
    })
    for (const [name, data] of placements(value)) win.popinEvent(name, data)
    expect(calls.gtag.length).toBeGreaterThan(5)
    expect(calls.fbq.length).toBeGreaterThan(5)
    expectNoPersonalData('GA4', calls.gtag)
    expectNoPersonalData('Facebook', calls.fbq)
  })
})
