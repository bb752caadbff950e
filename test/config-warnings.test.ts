import { describe, expect, it } from 'vitest'
import { configWarnings } from '../src/config/warnings'
import { closest } from '../src/lib/closest'

const STILL_APPLY = '(rules for unknown names still apply when Popin sends them)'

describe('configWarnings', () => {
  it('names each rule key the catalog does not know, with the closest known name', () => {
    const config = {
      destinations: {
        ga4: {
          events: { popin_call_ended: { name: 'call_end' }, nduge_show: false, checkout_started: true, popin_captured: true, '*': false },
          screens: { product_cart: false, SCREEN_VIDEO_CALL: true, '*': false },
          webhooks: { popin_call_sucessful: false, popin_call_rated: true, '*': false },
        },
        segment: { events: { popin_call_missed: true }, webhooks: { popin_order_placed: true } },
      },
    }
    expect(configWarnings(config)).toEqual([
      {
        path: 'destinations.ga4.events.popin_call_ended',
        message: `not a Popin event name the catalog knows; did you mean "popin_call_end"? ${STILL_APPLY}`,
      },
      { path: 'destinations.ga4.events.nduge_show', message: `not a Popin event name the catalog knows; did you mean "nudge_show"? ${STILL_APPLY}` },
      { path: 'destinations.ga4.events.checkout_started', message: `not a Popin event name the catalog knows ${STILL_APPLY}` },
      { path: 'destinations.ga4.screens.product_cart', message: `not a screen id the catalog knows; did you mean "PRODUCT_CART"? ${STILL_APPLY}` },
      {
        path: 'destinations.ga4.webhooks.popin_call_sucessful',
        message: `not a Popin webhook name the catalog knows; did you mean "popin_call_successful"? ${STILL_APPLY}`,
      },
      { path: 'destinations.segment.webhooks.popin_order_placed', message: `not a Popin webhook name the catalog knows ${STILL_APPLY}` },
    ])
  })

  it('warns of a destination with no rules under extends "none": it would receive nothing', () => {
    const config = { extends: 'none', destinations: { ga4: { measurementId: 'G-ABC1234' }, segment: { events: { nudge_show: true } }, facebookPixel: { enabled: false }, dataLayer: null } }
    expect(configWarnings(config)).toEqual([{ path: 'destinations.ga4', message: 'has no rules, and "extends" is "none": it receives nothing' }])
    expect(configWarnings({ destinations: { ga4: { measurementId: 'G-ABC1234' } } })).toEqual([])
  })

  it('gives the exact messages of the three kinds without a close name', () => {
    const config = { destinations: { dataLayer: { events: { checkout: true }, screens: { CHECKOUT: true }, webhooks: { checkout: true } } } }
    expect(configWarnings(config).map((w) => w.message)).toEqual([
      'not a Popin event name the catalog knows (rules for unknown names still apply when Popin sends them)',
      'not a screen id the catalog knows (rules for unknown names still apply when Popin sends them)',
      'not a Popin webhook name the catalog knows (rules for unknown names still apply when Popin sends them)',
    ])
  })

  it('suggests within max(2, a third of the length) edits only', () => {
    const suggestion = (key: string) => configWarnings({ destinations: { ga4: { events: { [key]: true } } } })[0]?.message.match(/did you mean "(.*)"/)?.[1]
    expect(suggestion('nudge_shw')).toBe('nudge_show') // 1 edit
    expect(suggestion('nudg_shw')).toBe('nudge_show') // 2 edits, 8 letters: 2 allowed
    expect(suggestion('nud_sh')).toBeUndefined() // 4 edits
    expect(suggestion('popin_capt')).toBeUndefined() // 4 edits, 10 letters: 3 allowed
    expect(suggestion('popin_captre')).toBe('popin_captured') // 2 edits
  })

  it('reads only own keys of what the user wrote, whatever it is, and never throws', () => {
    for (const config of [undefined, null, 0, 'ga4', [], [{ destinations: {} }], {}, { destinations: null }, { destinations: [] }, { destinations: 'ga4' }]) {
      expect(configWarnings(config)).toEqual([])
    }
    expect(configWarnings({ destinations: { ga4: null, segment: [], dataLayer: { events: [{ a: 1 }], screens: 'x', webhooks: 3 } } })).toEqual([])
    expect(configWarnings({ destinations: { ga4: { events: Object.create({ inherited: true }) } } })).toEqual([])
    const getters = {
      get destinations(): never {
        throw new Error('getter')
      },
    }
    expect(configWarnings(getters)).toEqual([])
    expect(configWarnings({ destinations: Object.assign(Object.create(null), { ga4: { events: { toString: true } } }) })).toEqual([
      { path: 'destinations.ga4.events.toString', message: `not a Popin event name the catalog knows ${STILL_APPLY}` },
    ])
  })

  it('takes __proto__ as the plain key JSON.parse makes it', () => {
    const config = JSON.parse('{"destinations":{"__proto__":{"events":{"__proto__":true,"nudge_close":true}}}}')
    expect(configWarnings(config)).toEqual([
      { path: 'destinations.__proto__.events.__proto__', message: `not a Popin event name the catalog knows ${STILL_APPLY}` },
    ])
  })

  it('is pure: leaves the config as it was and answers the same twice', () => {
    const config = deepFreeze({ destinations: { ga4: { events: { popin_call_ended: { name: 'x' } } } } })
    expect(configWarnings(config)).toEqual(configWarnings(config))
    expect(configWarnings(config)).toHaveLength(1)
  })
})

describe('closest', () => {
  it('finds the nearest candidate, counting a swap of neighbours as one edit and ignoring case', () => {
    expect(closest('kitten', ['sitting', 'mitten'], 3)).toBe('mitten')
    expect(closest('kitten', ['sitting'], 3)).toBe('sitting')
    expect(closest('kitten', ['sitting'], 2)).toBeUndefined()
    expect(closest('kitten', ['sitting'], 2.9)).toBeUndefined()
    expect(closest('ab', ['ba'], 1)).toBe('ba')
    expect(closest('Screen_Chat', ['SCREEN_FAQ', 'SCREEN_CHAT'], 0)).toBe('SCREEN_CHAT')
  })

  it('prefers the earlier of equally near candidates, and has none to offer from an empty list', () => {
    expect(closest('cat', ['bat', 'hat'], 1)).toBe('bat')
    expect(closest('cat', [], 5)).toBeUndefined()
  })
})

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') for (const child of Object.values(value)) deepFreeze(child)
  return Object.freeze(value)
}
