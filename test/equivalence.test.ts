import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import { badInputCalls } from './fixtures/bad-input'
import { CONFIG, EXPECTED_DATALAYER_EVENTS, EXPECTED_FBQ, EXPECTED_GTAG_EVENTS, EXPECTED_SEGMENT, idOf, SESSION } from './fixtures/session'
import { FBQ_SNIPPET, GTAG_SNIPPET, SEGMENT_SNIPPET } from './fixtures/vendor-snippets'
import { fixIds, makeWindow, type TestWindow } from './helpers'
import { compiledTag } from './support/compiled-tags'

// One table: for each config, the lite drop-in, the full drop-in (the vendors are on the page, so
// it only forwards), the compiled tag and the compiled tag for GTM (ES5) each play the whole
// session, then the bad-input corpus, in a fresh shop page; every vendor call of every vendor goes
// into one ordered log, and each subject's log must be the lite's. The lite's log is pinned to
// explicit expectations for the preset and for CONFIG, and to a few calls for every other row.

const dist = (file: string) => readFileSync(join(__dirname, '../dist', file), 'utf8')
const LITE = dist('popin-bridge.lite.min.js')
// The lite hands "debug": true over to its debug build, loaded from next to its own src (a page
// here has none): the lite of a debug row is that build.
const LITE_DEBUG = dist('popin-bridge.lite.debug.js')
const FULL = dist('popin-bridge.min.js')
const PIXEL = '1234567890'
const GA = 'G-PAGE1234'
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex')

/**
 * What the page does: a Popin call, a consent decision, a restart (`PopinBridge.init` with the
 * row's config; a tag's with none), its CMP acting, its own gtag call (not recorded), time passing.
 */
type Step = { popin: unknown[] } | { consent: Record<string, boolean> } | { init: true } | { page: (win: TestWindow) => void } | { gtag: unknown[] } | { wait: number }

interface Row {
  title: string
  /** The config; none: the drop-ins get none and the tag is built from `{}`. */
  config?: Record<string, unknown>
  /** What the page holds before the bridge's script, besides the vendors' snippets (a CMP, say). */
  page?: (win: TestWindow) => void
  /** Steps added to SESSION, before the event at that index (SESSION.length: at its end). */
  extra?: Record<number, Step[]>
  /** The lite's log for the session, in full. */
  expected?: unknown[][]
  /** Calls the lite's log must hold, whatever else it holds. */
  holds?: unknown[][]
  /** Vendors the lite's log must not mention at all. */
  never?: string[]
  /** Lines the lite's console.log must hold (debug mode). */
  prints?: string[]
  /** Data layers besides `dataLayer` whose pushes are recorded, created by the bridge. */
  layers?: string[]
}

const at = (name: string) => SESSION.findIndex(([event]) => event === name)

/**
 * What the lite sends for SESSION, event by event in the plan's destination order (Pixel, GA4,
 * Segment, dataLayer), made of the session fixture's expected calls for CONFIG; for the preset,
 * without CONFIG's ids (no pixel to address, no send_to).
 */
function expectedLog(ids: boolean): unknown[][] {
  let segment = 0
  return SESSION.flatMap(([name], i) => {
    const fbq = EXPECTED_FBQ.slice(2).filter((call) => (call[4] as { eventID: string }).eventID === idOf(i))
    const [, kind, params] = EXPECTED_GTAG_EVENTS[i] as [string, string, Record<string, unknown>]
    const { send_to: _property, ...withoutProperty } = params
    const analytics = EXPECTED_SEGMENT.slice(segment, (segment += name === 'popin_captured' ? 2 : 1))
    return [
      ...fbq.map(([call, _pixel, ...rest]) => (ids ? ['fbq', call, PIXEL, ...rest] : ['fbq', call === 'trackSingle' ? 'track' : 'trackCustom', ...rest])),
      ['gtag', 'event', kind, ids ? params : withoutProperty],
      ...analytics.map(([method, ...args]) => [`analytics.${method}`, ...args]),
      ['dataLayer.push', { popin: null }],
      ['dataLayer.push', EXPECTED_DATALAYER_EVENTS[i]],
    ]
  })
}

const decideTcf = (consents: number[]) => (win: TestWindow) =>
  win.__tcfListeners.forEach((listener: (data: object, success: boolean) => void) =>
    listener({ eventStatus: 'useractioncomplete', gdprApplies: true, listenerId: 7, purpose: { consents: Object.fromEntries(consents.map((p) => [p, true])) } }, true),
  )
const googleConsent = (kind: string, analytics: string, ads: string) => ['consent', kind, { analytics_storage: analytics, ad_storage: ads }]
const google = (analytics: boolean, ads: boolean) => {
  const a = ads ? 'granted' : 'denied'
  return { ad_storage: a, ad_user_data: a, ad_personalization: a, analytics_storage: analytics ? 'granted' : 'denied' }
}
const decided = (analytics: boolean, ads: boolean) => ({ context: { consent: { categoryPreferences: { analytics, ads } } } })

const ROWS: Row[] = [
  { title: 'the preset (no config)', expected: expectedLog(false) },
  { title: 'CONFIG: pixelId and measurementId', config: CONFIG, expected: expectedLog(true) },
  {
    title: 'consent required, categories moved, decisions mid-session: grant, then revoke; a restart keeps them',
    // Segment waits for ads: 6 events by then, one more than the queue holds.
    config: { ...CONFIG, queueLimit: 5, consent: { required: true, categories: { segment: 'ads', dataLayer: 'analytics' } } },
    extra: {
      [at('popin_permission_given')]: [{ consent: { analytics: true } }],
      [at('popin_call_end')]: [{ consent: { ads: true } }],
      [at('popin_schedule_created')]: [{ consent: { analytics: false } }],
      [at('nudge_close')]: [{ consent: { ads: false } }],
      [SESSION.length]: [{ consent: { analytics: true } }, { init: true }],
    },
    holds: [
      ['fbq', 'consent', 'revoke'],
      ['gtag', 'consent', 'default', google(false, false)],
      ['gtag', 'consent', 'update', google(true, false)],
      ['fbq', 'consent', 'grant'],
      ['analytics.track', 'Call Ended', { popin_uid: 'u-1', call_id: 'call-77', invited: false }, decided(true, true)],
      ['gtag', 'consent', 'update', google(false, true)],
      // The restarted bridge signals the decisions it kept as its default.
      ['gtag', 'consent', 'default', google(true, false)],
    ],
  },
  {
    title: "consent following Google consent mode (the page's gtag)",
    config: { consent: { required: true, follow: 'google' }, destinations: { ga4: { measurementId: GA } } },
    page: (win) => win.gtag(...googleConsent('default', 'denied', 'denied')),
    extra: {
      [at('popin_call_end')]: [{ gtag: googleConsent('update', 'granted', 'denied') }, { wait: 300 }],
      [at('popin_expert_busy')]: [{ gtag: googleConsent('update', 'granted', 'granted') }, { wait: 300 }],
    },
    holds: [['analytics.track', 'Call Ended', { popin_uid: 'u-1', call_id: 'call-77', invited: false }, decided(true, false)]],
  },
  {
    title: 'consent following a TCF v2.2 CMP (__tcfapi stub)',
    config: { ...CONFIG, consent: { required: true, follow: 'tcf' } },
    page: (win) => {
      win.__tcfListeners = []
      win.__tcfapi = (command: string, _version: number, callback: (data: object, success: boolean) => void) => {
        if (command !== 'addEventListener') return
        win.__tcfListeners.push(callback)
        callback({ eventStatus: 'cmpuishown', gdprApplies: true, listenerId: 7 }, true)
      }
    },
    extra: { [at('popin_call_end')]: [{ page: decideTcf([1, 8]) }], [at('popin_schedule_created')]: [{ page: decideTcf([1, 3, 4, 7, 8]) }] },
    holds: [
      ['gtag', 'consent', 'update', google(true, false)],
      ['fbq', 'consent', 'grant'],
    ],
  },
  {
    title: 'Facebook advanced matching (SHA-256 by WebCrypto)',
    config: { destinations: { facebookPixel: { pixelId: PIXEL, advancedMatching: true } } },
    holds: [['fbq', 'init', PIXEL, expect.objectContaining({ em: sha256('ada@example.com') })]],
  },
  {
    title: 'Segment personalData "hash"',
    config: { destinations: { segment: { personalData: 'hash' } } },
    holds: [['analytics.identify', expect.objectContaining({ email: sha256('ada@example.com') })]],
  },
  {
    title: 'Segment and the dataLayer personalData "omit"',
    config: { destinations: { segment: { personalData: 'omit' }, dataLayer: { personalData: 'omit' } } },
    holds: [['analytics.identify', { address: { country: 'GB' }, popin_group: 'sofas' }]],
  },
  {
    title: 'custom rules: renames, call, params (@path, @template, @page, nested, constants), lists, payload',
    config: {
      destinations: {
        facebookPixel: {
          pixelId: PIXEL,
          events: {
            nudge_open: { name: 'ViewContent', params: { content_name: 'Popin nudge', page: { '@page': 'path' } } },
            popin_call_end: [
              { name: 'Contact', params: { call_id: { '@path': 'callId' }, label: { '@template': 'call {{callId}}' } } },
              { name: 'PopinCallEnded', call: 'trackCustom', payload: true },
            ],
          },
        },
        ga4: {
          events: {
            popin_schedule_created: { name: 'book_call', params: { when: { '@path': 'time' }, host: { '@page': 'host' }, source: 'popin', score: 3, test: false, none: null } },
            popin_rating_done: { name: 'rated_{{rating}}_stars', payload: true },
            '*': { name: 'popin_other', payload: true },
          },
        },
        segment: {
          events: {
            popin_call_end: {
              name: 'Call {{callId}} Ended',
              params: { call: { id: { '@path': 'callId' }, invited: { '@path': 'invited' }, page: { url: { '@page': 'url' }, title: { '@page': 'title' } } }, source: 'popin' },
            },
            popin_rating_done: [{ call: 'identify', params: { last_rating: { '@path': 'rating' } } }, { name: 'Rated', payload: true }],
            nudge_show: { call: 'page', name: 'Nudge', params: { referrer: { '@page': 'referrer' } } },
          },
        },
        dataLayer: { events: { popin_captured: { name: 'lead', params: { group: { '@path': 'group' } } } } },
      },
    },
    holds: [
      ['fbq', 'trackSingle', PIXEL, 'ViewContent', { content_name: 'Popin nudge', page: '/product/42' }, { eventID: 'nudge_open.00.1' }],
      ['fbq', 'trackSingle', PIXEL, 'Contact', { call_id: 'call-77', label: 'call call-77' }, { eventID: 'popin_call_end.00.6' }],
      ['fbq', 'trackSingleCustom', PIXEL, 'PopinCallEnded', { uid: 'u-1', callId: 'call-77', invited: false }, { eventID: 'popin_call_end.00.6' }],
      ['gtag', 'event', 'rated_5_stars', { rating: 5, popin_uid: 'u-1' }],
      ['analytics.page', 'Nudge', { popin_uid: 'u-1' }],
      ['analytics.identify', { last_rating: 5 }],
      [
        'analytics.track',
        'Call call-77 Ended',
        { popin_uid: 'u-1', call_id: 'call-77', invited: false, call: { id: 'call-77', invited: false, page: { url: 'https://shop.example/product/42', title: 'Blue Sofa' } }, source: 'popin' },
      ],
    ],
  },
  {
    title: '"debug": true: the same console lines and trace',
    config: { debug: true, destinations: { facebookPixel: { pixelId: PIXEL } } },
    prints: [
      '[popin-bridge] nudge_show → facebookPixel: not sent (events.nudge_show is false)',
      '[popin-bridge] popin_call_end → facebookPixel: fbq("trackSingle", "1234567890", "Contact", {"content_name":"Popin video call","call_id":"call-77"}, {"eventID":"popin_call_end.00.6"})',
    ],
  },
  {
    title: 'extends "none" with one destination (GA4)',
    config: { extends: 'none', destinations: { ga4: { measurementId: GA, events: { popin_call_end: { name: 'call_done', params: { call_id: { '@path': 'callId' } } } } } } },
    expected: [['gtag', 'event', 'call_done', { call_id: 'call-77', send_to: GA }]],
  },
  {
    title: 'a custom eventId; GA4 and Segment disabled (enabled: false)',
    config: { eventId: 'shop-{{ event }}-{{occurrence}}', destinations: { facebookPixel: { pixelId: PIXEL }, ga4: { enabled: false }, segment: { enabled: false } } },
    holds: [['fbq', 'trackSingle', PIXEL, 'Contact', { content_name: 'Popin video call', call_id: 'call-77' }, { eventID: `shop-popin_call_end-00.${at('popin_call_end')}` }]],
    never: ['gtag', 'analytics.track', 'analytics.identify', 'analytics.page'],
  },
  {
    title: 'a dataLayer named popinLayer; screens rules',
    config: {
      destinations: {
        dataLayer: { name: 'popinLayer', screens: { SCREEN_VIDEO_CALL: { name: 'popin.video_call' }, '*': { name: 'popin.screen.{{screen}}', payload: true } } },
        ga4: { screens: { SCREEN_REVIEW_AGENT: false, SCREEN_VIDEO_CALL: { name: 'popin_video_call' }, '*': { name: 'popin_{{screen}}', params: { screen: { '@path': 'screen' } } } } },
        segment: { screens: { '*': { call: 'page', name: '{{screen}}', params: { screen: { '@path': 'screen' } } } } },
        facebookPixel: { screens: { SCREEN_VIDEO_CALL: { name: 'ViewContent', params: { content_name: { '@path': 'screen' } } } } },
      },
    },
    layers: ['popinLayer'],
    holds: [['popinLayer.push', { event: 'popin.video_call', popin: {}, popin_event_id: idOf(at('popin_call_end') - 1) }]],
    never: ['dataLayer.push'],
  },
  {
    title: 'GA4 and Facebook names to fix (templated names, unknown events, emoji); long values',
    config: {
      destinations: {
        facebookPixel: { events: { '*': { name: 'Popin {{event}}' } } },
        ga4: {
          events: {
            '*': { name: 'widget {{event}}!', payload: true },
            popin_expert_busy: { name: '{{reason}}' },
            popin_rating_done: { name: 'rating-{{rating}}' },
            popin_call_end: { name: '{{callId}}', params: { label: { '@template': '{{callId}} / {{callId}} / {{callId}}' } } },
            popin_captured: { name: 'generate_lead', params: { group: { '@template': '{{group}} and {{group}}' } } },
          },
        },
        segment: { events: { popin_captured: { name: 'Lead', params: { group: { '@template': '{{group}} {{group}}' } }, payload: true } } },
      },
    },
    extra: {
      [SESSION.length]: [
        ...['widget-opened', 'Widget Opened', 'ga_session', 'firebase_x', '123_start', 'popin_élan', 'popin_screen', '😀'.repeat(60), `p${'😀'.repeat(60)}`].map((name) => ({
          popin: [name, { uid: 'u-1' }],
        })),
        ...['ga_x1', '_x1', 'x1'].map((reason) => ({ popin: ['popin_expert_busy', { uid: 'u-1', reason }] })),
        { popin: ['popin_call_end', { uid: 'u-1', callId: `c${'7'.repeat(63)}` }] },
        { popin: ['popin_captured', { uid: 'u-1', group: 'G'.repeat(150) }] },
        { popin: ['popin_rating_done', { uid: 'u-1', rating: 3, comment: 'C'.repeat(5000) }] },
        { popin: ['popin_widget_open', { uid: 'u-1', note: 'n'.repeat(2000), code: `x${'1'.repeat(99)}` }] },
      ],
    },
    holds: [
      ['gtag', 'event', 'call_77', { call_id: 'call-77', invited: false, popin_uid: 'u-1', label: 'call-77 / call-77 / call-77' }],
      ['gtag', 'event', 'widget_popin_widget_open', { popin_uid: 'u-1' }],
      ['gtag', 'event', 'rating_5', { rating: 5, popin_uid: 'u-1' }],
      ['gtag', 'event', 'popin_ga_x1', { popin_uid: 'u-1' }],
      ['fbq', 'trackCustom', 'Popin popin_screen', {}, { eventID: `00.${SESSION.length + 6}` }],
      ['gtag', 'event', 'generate_lead', { lead_source: 'popin', popin_group: 'G'.repeat(100), popin_uid: 'u-1', group: 'G'.repeat(100) }],
      ['analytics.track', 'Call Rated', { popin_uid: 'u-1', rating: 3, comment: 'C'.repeat(1000) }],
    ],
  },
]

/** One log of every vendor call the bridge makes, in order (gtag's own push into the dataLayer is not one). */
function recordVendorCalls(win: TestWindow, layers: string[]) {
  const log: unknown[][] = []
  let quiet = 0
  const through = <F extends (...args: any[]) => unknown>(vendor: string, fn: F): F =>
    new Proxy(fn, {
      apply(target, self, args) {
        if (!quiet) log.push([vendor, ...structuredClone(args)])
        quiet++
        try {
          return Reflect.apply(target, self, args)
        } finally {
          quiet--
        }
      },
    })
  win.fbq = through('fbq', win.fbq)
  win.gtag = through('gtag', win.gtag)
  for (const method of ['track', 'identify', 'page']) win.analytics[method] = through(`analytics.${method}`, win.analytics[method])
  const wrapLayer = (name: string, layer: unknown[]) => {
    layer.push = through(`${name}.push`, layer.push)
    return layer
  }
  wrapLayer('dataLayer', win.dataLayer)
  // The bridge creates these as GTM's snippet would: whatever array is put there is recorded.
  for (const name of layers) {
    let layer: unknown[] | undefined
    Object.defineProperty(win, name, { configurable: true, get: () => layer, set: (value: unknown[]) => void (layer = wrapLayer(name, value)) })
  }
  const quietly = (action: () => void) => {
    quiet++
    try {
      action()
    } finally {
      quiet--
    }
  }
  return { log, quietly }
}

/** WebCrypto digests in flight: hashed calls go out once theirs settle. */
const digests = new Set<Promise<unknown>>()
beforeEach(() => {
  const digest = crypto.subtle.digest.bind(crypto.subtle)
  vi.spyOn(crypto.subtle, 'digest').mockImplementation((...args) => {
    const pending = digest(...args)
    const done = () => void digests.delete(pending)
    digests.add(pending)
    pending.then(done, done)
    return pending
  })
})

async function hashesSettled() {
  do {
    await Promise.allSettled([...digests])
    // The bridge's own continuations after the digests, then its vendor calls.
    await new Promise((resolve) => setTimeout(resolve, 0))
  } while (digests.size)
}

const pages: TestWindow[] = []
afterEach(() => {
  for (const win of pages.splice(0)) win.PopinBridge?.destroy()
})

interface Subject {
  name: string
  start(win: TestWindow, row: Row): void
  /** A compiled tag restarts with its own plan: `PopinBridge.init()` takes no config. */
  compiled?: true
}

const tags = new Map<Row, { es2020: string; es5: string }>()
const SUBJECTS: Subject[] = [
  { name: 'lite drop-in', start: (win, row) => ((win.popinBridgeConfig = row.config), win.eval(row.config?.debug ? LITE_DEBUG : LITE)) },
  { name: 'full drop-in', start: (win, row) => ((win.popinBridgeConfig = row.config), win.eval(FULL)) },
  { name: 'compiled tag', start: (win, row) => win.eval(tags.get(row)!.es2020), compiled: true },
  { name: 'compiled tag for GTM (ES5)', start: (win, row) => win.eval(tags.get(row)!.es5), compiled: true },
]

function script(row: Row): Step[] {
  const steps = SESSION.flatMap(([name, data], i): Step[] => [...(row.extra?.[i] ?? []), { popin: [name, data] }])
  return [...steps, ...(row.extra?.[SESSION.length] ?? [])]
}

/** One subject in a fresh shop page with the vendors' snippets: the session, then the bad input. */
async function play(subject: Subject, row: Row) {
  const win = makeWindow()
  pages.push(win)
  fixIds(win)
  for (const snippet of [FBQ_SNIPPET, GTAG_SNIPPET, SEGMENT_SNIPPET]) win.eval(snippet)
  row.page?.(win)
  // The page's own handler, defined before the bridge: it gets every call, whatever the bridge does with it.
  let handled = 0
  win.popinEvent = () => void handled++
  const { log, quietly } = recordVendorCalls(win, row.layers ?? [])
  const errors: unknown[][] = []
  const warnings: unknown[][] = []
  const lines: unknown[][] = []
  win.console.error = (...args: unknown[]) => void errors.push(args)
  win.console.warn = (...args: unknown[]) => void warnings.push(args)
  win.console.log = (...args: unknown[]) => void lines.push(args)
  const thrown: unknown[] = []
  const attempt = (action: () => void) => {
    try {
      action()
    } catch (error) {
      thrown.push(error)
    }
  }
  attempt(() => subject.start(win, row))
  for (const step of script(row)) {
    if ('popin' in step) attempt(() => win.popinEvent(...step.popin))
    else if ('consent' in step) attempt(() => win.PopinBridge.consent(step.consent))
    else if ('init' in step) attempt(() => win.PopinBridge.init(...(subject.compiled ? [] : [row.config])))
    else if ('page' in step) attempt(() => step.page(win))
    else if ('gtag' in step) quietly(() => win.gtag(...step.gtag))
    else await new Promise((resolve) => setTimeout(resolve, step.wait))
  }
  await hashesSettled()
  const session = log.length
  for (const args of badInputCalls()) attempt(() => win.popinEvent(...args))
  await hashesSettled()
  const trace = JSON.parse(JSON.stringify(win.popinBridgeTrace ?? null))
  return { log, session, errors, warnings, lines, trace, thrown, handled, loaded: win.document.querySelectorAll('script[src]').length }
}

beforeAll(async () => {
  for (const row of ROWS) {
    const config = row.config ?? {}
    tags.set(row, { es2020: await compiledTag(config), es5: await compiledTag(config, { gtm: true }) })
  }
}, 240_000)

describe('equivalence: the lite, the full drop-in and the compiled tags make the identical ordered vendor calls', () => {
  it.each(ROWS.map((row) => [row.title, row] as const))('%s', async (_title, row) => {
    const [lite, ...others] = await Promise.all(SUBJECTS.map((subject) => play(subject, row)))
    if (row.expected) expect(lite!.log.slice(0, lite!.session)).toEqual(row.expected)
    for (const call of row.holds ?? []) expect(lite!.log).toContainEqual(call)
    for (const vendor of row.never ?? []) expect(lite!.log.filter(([name]) => name === vendor)).toEqual([])
    for (const line of row.prints ?? []) expect(lite!.lines).toContainEqual([line])
    if (!row.config?.debug) expect(lite!.lines).toEqual([])
    // The corpus reaches the vendors too: the table compares more than the session.
    expect(lite!.log.length).toBeGreaterThan(lite!.session)
    ;[lite!, ...others].forEach((run, i) => {
      const subject = SUBJECTS[i]!.name
      expect(run.thrown, `${subject}: thrown into the page`).toEqual([])
      expect(run.errors, `${subject}: console.error`).toEqual([])
      expect(run.loaded, `${subject}: scripts it loaded`).toBe(0)
      expect(run.handled, `${subject}: calls the page's own handler got`).toBe(script(row).filter((step) => 'popin' in step).length + badInputCalls().length)
      expect(run.log, `${subject}: its vendor calls, against the lite's`).toEqual(lite!.log)
      expect(run.warnings, `${subject}: console.warn, against the lite's`).toEqual(lite!.warnings)
      expect(run.lines, `${subject}: console.log (debug mode), against the lite's`).toEqual(lite!.lines)
      expect(run.trace, `${subject}: window.popinBridgeTrace, against the lite's`).toEqual(lite!.trace)
    })
  })
})
