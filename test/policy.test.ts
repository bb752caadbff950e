import { describe, expect, it } from 'vitest'
import { SCREEN_IDS } from '../src/events/catalog'
import { applyPolicy, isClean, type SourceClass } from '../src/privacy/policy'

const clean = (cases: [unknown, SourceClass][]) => cases.filter(([value, cls]) => !isClean(value as never, cls))
const leaks = (cases: [unknown, SourceClass][]) => cases.filter(([value, cls]) => isClean(value as never, cls))

// The README's "Personal data: the rule", value by value.
describe('the privacy policy: what may go out as it is', () => {
  it("passes every screen of Popin's catalog, by the screen pattern alone (the list does not ship in the page)", () => {
    expect(clean(SCREEN_IDS.map((screen): [unknown, SourceClass] => [screen, 'screen']))).toEqual([])
  })

  it('documented fields pass only in their documented shape', () => {
    expect(
      clean([
        [true, 'flag'],
        [5, 'number'],
        ['GB', 'country'],
        ['agent', 'guest'],
        ['+44', 'dialing'],
        ['03:30 PM', 'time'],
        ['21-Nov-2026', 'time'],
        ['2026-11-21T10:00:00Z', 'time'],
        ['2026-11-23 15:30', 'time'],
        ['Asia/Kolkata', 'zone'],
        ['America/Argentina/Buenos_Aires', 'zone'],
        ['00:12:30', 'duration'],
        ['https://shop.example/product/42', 'url'],
        ['SCREEN_CHAT', 'screen'],
        ['SCREEN_FROM_THE_FUTURE', 'screen'],
        ['popin_call_end', 'event'],
        ['popin_call_end', 'known-event'],
        ['Blue Sofa', 'label'],
        // What a phone hidden in a text would be taken for, and is not: sizes, a model, a short price.
        ['Sofa 3-seater, 200 x 90 cm (2 pcs)', 'label'],
        ['Model 12.5 x 30.2', 'label'],
        ['1 299.99', 'label'],
        // A dash with spaces around it ends a run; a date is no phone.
        ['Catalogue 2025 - 2026', 'label'],
        ['Order 1234 - 2024', 'label'],
        ['Open 9.00 - 17.30', 'label'],
        ['Sale from 2026-12-01', 'label'],
        ['Sale from 01/12/2026', 'label'],
        [null, 'number'],
      ]),
    ).toEqual([])
    expect(
      leaks([
        ['yes', 'flag'],
        [9876543210, 'number'],
        ['Pune', 'country'],
        ['Priya', 'guest'],
        ['Priya Sharma at 3pm', 'time'],
        ['Priya/Sharma', 'zone'],
        ['Priya Sharma', 'duration'],
        ['https://shop.example/?email=a%40b.co', 'url'],
        ['https://shop.example/p?name=Priya', 'url'],
        ['Priya Sharma', 'screen'],
        ['SCREEN_411001', 'screen'],
        ['Priya Sharma', 'event'],
        ['popin_lead_9876543210', 'event'],
        ['popin_widget_open', 'known-event'],
        ['priya.sharma@example.in', 'label'],
        ['+91 98765 43210', 'label'],
        // A phone inside a text, in groups of fewer than six digits.
        ['ring 07700 900 123 or 415-555-0123', 'label'],
        ['call me on 415-555-0123 please', 'label'],
        ['mobile 98765 43210', 'label'],
        ['+44 7700 900 123 (ada)', 'label'],
        ['+44 (0)7700 900123', 'label'],
        // Other hyphens, slashes, full-width digits.
        ['call 415\u2013555\u20130123', 'label'],
        ['07700\u2011900\u2011123', 'label'],
        ['415/555/0123', 'label'],
        ['\uFF10\uFF17\uFF17\uFF10\uFF10 \uFF19\uFF10\uFF10\uFF11\uFF12\uFF13', 'label'],
        ['0770 0900 1234', 'time'],
        // An at sign however written.
        ['ada\uFF20example.com', 'label'],
        ['ada\uFE6Bexample.com', 'label'],
        ['https://shop.example/p?ref=ada%2540example.com', 'label'],
        ['https://shop.example/account/ada%40example.com/orders', 'url'],
        ['https://shop.example/account/ada%2540example.com', 'url'],
        ['https://shop.example/ada\uFF20example.com', 'url'],
        ['Pune 411001', 'label'],
        ['x'.repeat(201), 'label'],
        [{ name: 'Blue Sofa' }, 'label'],
        ['Priya Sharma', 'personal'],
        [true, 'personal'],
      ]),
    ).toEqual([])
  })

  it('dates and times in the forms Popin and its platforms write them; phone numbers never pass as one', () => {
    const times = ['2026-11-21 15:30:00', '15:30', '3:30 PM', '3:30PM', '21-Nov-2026 03:30 PM', '21-Nov-2026', '2026-11-21T10:00:00.000000Z', '2026-11-21 15:30:00.123456', '11/23/2026, 3:30:00 PM', '1763719800', '1763719800000', 'Mon Nov 23 2026 15:30:00 GMT+0530', '2026-11-21T10:00:00+05:30', 'Nov 21, 2026 3:30 PM', 1763719800]
    expect(clean(times.map((value) => [value, 'time']))).toEqual([])
    const phones = ['987-654-3210', '+1 987-654-3210', '020-7946-0958', '06.12.34.56.78', '0151/2345-678', '+44 7700 900123', '7700 900123', '98765 43210', '9876543210', 9876543210, '411001', 'Priya Sharma at 3pm', '5']
    expect(leaks(phones.map((value) => [value, 'time']))).toEqual([])
  })

  it("Popin's ids: a digit, no phone number; fields nobody documented: machine ids, no words, no pin codes", () => {
    expect(
      clean([
        ['u-1', 'id'],
        ['visitor-123', 'id'],
        [28844, 'id'],
        ['58559', 'id'],
        ['5f1a2b3c4d5e6f7a8b9c0d1e', 'id'],
        ['550e8400-e29b-41d4-a716-446655440000', 'id'],
        ['call-77', 'id'],
        ['plan-2', undefined],
        ['a1b2c3', undefined],
        [3, undefined],
        [12.5, undefined],
        [false, undefined],
      ]),
    ).toEqual([])
    expect(
      leaks([
        ['early', 'id'],
        ['411001', 'id'],
        [123456, 'id'],
        ['9876543210', 'id'],
        ['tel-9876543210', 'id'],
        [9876543210, 'id'],
        ['PriyaSharma1', undefined],
        ['priya.sharma.1', undefined],
        ['tel-9876543210', undefined],
        ['u_919876543210', undefined],
        ['411001', undefined],
        [411001, undefined],
        ['Call me, Priya Sharma, +91 98765 43210', undefined],
        ['x'.repeat(65) + '1', undefined],
      ]),
    ).toEqual([])
  })

  it('send, hash or omit what counts as personal; objects of unknown fields leaf by leaf', () => {
    const hash = (text: string) => `sha(${text})`
    const value = { plan: 'plan-2', note: 'Call me', count: 3 }
    expect(applyPolicy(value, undefined, 'omit', hash)).toEqual({ plan: 'plan-2', count: 3 })
    expect(applyPolicy(value, undefined, 'hash', hash)).toEqual({ plan: 'plan-2', note: 'sha(call me)', count: 3 })
    expect(applyPolicy(value, undefined, 'send', hash)).toEqual(value)
    expect(applyPolicy(' Priya@Example.in ', 'personal', 'hash', hash)).toBe('sha(priya@example.in)')
    // A documented field holds no object: all of it counts as personal.
    expect(applyPolicy({ id: 'SCREEN_CHAT' }, 'screen', 'omit', hash)).toBeUndefined()
    expect(applyPolicy(['u-1', 'Priya Sharma'], undefined, 'omit', hash)).toEqual(['u-1'])
  })
})
