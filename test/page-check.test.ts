import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { pageAdapters } from '../adapters/index'
import { pageProblems, SEE_VALIDATE } from '../src/config/page-check'
import { checkConfig } from '../src/plan/compile'
import { CONFIG } from './fixtures/session'

const folder = (kind: 'valid' | 'invalid') => join(__dirname, 'fixtures/configs', kind)
const configs = (kind: 'valid' | 'invalid') =>
  readdirSync(folder(kind))
    .filter((file) => file.endsWith('.json'))
    .map((file) => [file, JSON.parse(readFileSync(join(folder(kind), file), 'utf8'))] as const)

/** What a verdict switches off: a destination, or a global key that falls back to its default. */
const off = (problems: { path: string }[]) => [...new Set(problems.map(({ path }) => path.split('.').slice(0, path.startsWith('destinations.') ? 2 : 1).join('.')))].sort()

describe("the drop-ins' check of a config, by shape (no validator in the page)", () => {
  it('passes every config the schema passes', () => {
    for (const [file, config] of [...configs('valid'), ['session CONFIG', CONFIG] as const, ['no config', undefined] as const]) {
      expect(pageProblems(config, pageAdapters), file).toEqual([])
      expect(checkConfig(config, pageAdapters), file).toEqual([])
    }
  })

  it("switches off what the schema switches off, except the vendors' naming rules and personal fields in rules, which the runtime enforces", () => {
    // Names are fixed to the vendor's rules when sent, and the privacy policy keeps personal fields out of GA4 and Meta.
    const enforcedAtRunTime: Record<string, string[]> = {
      'facebook-rules.json': ['destinations.facebookPixel'],
      'ga4-names.json': ['destinations.ga4'],
      'ga4-personal-data.json': ['destinations.ga4'],
      'personal-names-and-ids.json': ['destinations.facebookPixel', 'destinations.ga4'],
    }
    for (const [file, config] of configs('invalid')) {
      const schema = off(checkConfig(config, pageAdapters))
      expect(off(pageProblems(config, pageAdapters)), file).toEqual(schema.filter((path) => !enforcedAtRunTime[file]?.includes(path)))
    }
  })

  it('names each problem by its JSON path, and the command that explains it', () => {
    const config = { readyTimeoutMs: 'soon', consent: { follow: 'cmp' }, destinations: { ga4: { measurementId: 'UA-1', events: { nudge_show: { name: 7 } } }, segment: { personalData: 'sned' }, tiktok: {} } }
    expect(pageProblems(config, pageAdapters)).toEqual(
      ['readyTimeoutMs', 'consent.follow', 'destinations.ga4.measurementId', 'destinations.ga4.events', 'destinations.segment.personalData', 'destinations.tiktok'].map((path) => ({ path, message: SEE_VALIDATE })),
    )
    expect(SEE_VALIDATE).toBe('is not valid: npx popin-bridge validate <config.json> says why')
  })

  it('refuses an eventId that would give two occurrences one id, or carry a payload field', () => {
    for (const eventId of ['{{event}}', 'popin', '{{email}}.{{occurrence}}', `${'x'.repeat(100)}{{occurrence}}`]) {
      expect(pageProblems({ eventId }, pageAdapters), eventId).toEqual([{ path: 'eventId', message: SEE_VALIDATE }])
    }
    expect(pageProblems({ eventId: 'shop-{{ event }}-{{occurrence}}' }, pageAdapters)).toEqual([])
  })

  it('refuses a hostile config as a whole, in bounded time: 100,000 levels, or children shared level after level', () => {
    let deep: Record<string, unknown> = {}
    const root = deep
    for (let i = 0; i < 100_000; i++) deep = deep.a = {}
    // 2^25 paths through 25 objects: a walk of every path would take minutes.
    let shared: Record<string, unknown> = { leaf: true }
    for (let i = 0; i < 25; i++) shared = { a: shared, b: shared }
    const started = performance.now()
    for (const config of [root, { destinations: { segment: { cdnSettings: shared } } }, [], 'text']) {
      expect(pageProblems(config, pageAdapters)).toEqual([{ path: 'config', message: SEE_VALIDATE }])
    }
    expect(checkConfig({ destinations: { segment: { cdnSettings: shared } } }, pageAdapters)).toEqual([{ path: 'config', message: 'holds more than 20000 values' }])
    expect(performance.now() - started).toBeLessThan(2_000)
  })

  it('a prototype key is a problem where it is, as in the schema: that destination is off', () => {
    const config = JSON.parse('{"destinations":{"ga4":{"__proto__":{}},"segment":{"cdnSettings":{"integrations":{"constructor":1}}}}}')
    expect(pageProblems(config, pageAdapters)).toEqual(['destinations.ga4.__proto__', 'destinations.segment.cdnSettings.integrations.constructor'].map((path) => ({ path, message: SEE_VALIDATE })))
    expect(off(checkConfig(config, pageAdapters))).toEqual(['destinations.ga4', 'destinations.segment'])
  })
})
