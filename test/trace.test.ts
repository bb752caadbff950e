import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { timeline, type EventRow } from '../src/debugger/timeline'
import type { TraceRecord } from '../src/trace'
import { idOf, SESSION } from './fixtures/session'
import { bridgeFor, fixIds, installFakeVendors, makeWindow } from './helpers'

/** What debug mode kept in the page, as plain data. */
const traceOf = (win: Record<string, any>) => (win.popinBridgeTrace ?? []) as TraceRecord[]

/** A row's outcomes by destination, each as "kind: what", for exact comparisons. */
function outcomes(row: EventRow): Record<string, string[]> {
  const out: Record<string, string[]> = {}
  for (const [destination, list] of row.outcomes) {
    out[destination] = list.map((o) =>
      o.kind === 'sent' ? `sent: ${o.call?.name} ${JSON.stringify(o.call?.params)}` : o.kind === 'dropped' ? `dropped: ${o.fields.join(', ')}` : `${o.kind}: ${o.reason}`,
    )
  }
  return out
}

describe('the trace (debug mode)', () => {
  it('is made only when someone reads it: nothing is kept outside debug mode', () => {
    const win = makeWindow()
    installFakeVendors(win)
    bridgeFor(win)
    win.popinEvent('nudge_show', { uid: 'u1' })
    expect(win.popinBridgeTrace).toBeUndefined()
  })

  it('a page global of that name that is not a list, or is frozen, never makes the bridge throw', () => {
    for (const held of ['not a list', Object.freeze([])]) {
      const win = makeWindow()
      const calls = installFakeVendors(win)
      win.popinBridgeTrace = held
      expect(() => bridgeFor(win, { debug: true })).not.toThrow()
      expect(() => win.popinEvent('nudge_show', { uid: 'u1' })).not.toThrow()
      // The vendors still get their calls.
      expect(calls.gtag.filter((args) => args[0] === 'event')).toHaveLength(1)
    }
  })

  it('says, per event and destination, what was sent, why not, what waits, and what the policy kept out', () => {
    const win = makeWindow()
    fixIds(win)
    installFakeVendors(win)
    delete win.analytics
    bridgeFor(win, {
      debug: true,
      destinations: {
        facebookPixel: { pixelId: '1234567890' },
        // Off until fixed: a config problem in its own section.
        ga4: { measurementId: 'UA-1' },
        segment: { personalData: 'omit' },
      },
    })
    for (const [name, data] of SESSION) win.popinEvent(name, data)
    const model = timeline(traceOf(win))

    expect(model.problems).toEqual([{ path: 'destinations.ga4.measurementId', message: 'must look like "G-XXXXXXX"' }])
    expect(model.destinations.map((d) => [d.name, d.ready, d.problems.map((p) => p.path)])).toEqual([
      ['facebookPixel', 'found', []],
      ['segment', undefined, []],
      ['dataLayer', 'found', []],
      ['ga4', undefined, ['destinations.ga4.measurementId']],
    ])
    expect(model.destinations[0]!.own).toEqual(['fbq("init", "1234567890")'])
    const rows = model.rows.filter((row): row is EventRow => row.kind === 'event')
    expect(rows.map((row) => [row.event, row.id])).toEqual(SESSION.map(([name], i) => [name, idOf(i)]))

    const nudge = rows[0]!
    expect(outcomes(nudge)).toEqual({
      facebookPixel: ['skipped: events.nudge_show is false'],
      segment: ['waiting: waiting for analytics'],
      dataLayer: ['sent: popin.nudge_show {"uid":"u-1"}'],
    })
    const lead = rows[SESSION.findIndex(([name]) => name === 'popin_captured')]!
    expect(outcomes(lead)).toEqual({
      facebookPixel: ['sent: Lead {"content_name":"Popin lead form","content_category":"sofas"}'],
      // Segment's identify reads the contact fields; "omit" keeps every one of them out.
      segment: ['dropped: name, email, mobile, city, pin_code', 'waiting: waiting for analytics', 'waiting: waiting for analytics'],
      dataLayer: [
        `sent: popin.popin_captured ${JSON.stringify({ uid: 'u-1', name: 'Ada Lovelace', email: 'Ada@Example.com', mobile: '+44 7700 900123', country: 'GB', city: 'Camden', pin_code: 'NW1 6XE', group: 'sofas' })}`,
      ],
    })
    // The vendor call behind each sent outcome, as debug mode prints it.
    expect(lead.outcomes.get('facebookPixel')).toEqual([
      expect.objectContaining({ vendor: [`fbq("trackSingle", "1234567890", "Lead", {"content_name":"Popin lead form","content_category":"sofas"}, {"eventID":"${idOf(9)}"})`] }),
    ])
  })

  it('tells what became of waiting events: sent once the vendor comes, or dropped with the reason', async () => {
    const win = makeWindow()
    fixIds(win)
    bridgeFor(win, { debug: true, readyTimeoutMs: 300, extends: 'none', destinations: { facebookPixel: { events: { popin_call_end: true } }, segment: { events: { popin_call_end: true } } } })
    win.popinEvent('popin_call_end', { uid: 'u1', callId: 'c1' })
    win.fbq = (..._args: unknown[]) => undefined
    await new Promise((resolve) => setTimeout(resolve, 500))
    const [, row] = timeline(traceOf(win)).rows as [unknown, EventRow]
    expect(outcomes(row)).toEqual({
      facebookPixel: ['sent: Contact {"content_name":"Popin video call","call_id":"c1"}'],
      segment: ['skipped: no analytics on the page after 300 ms'],
    })
  })

  it('is bounded: the page keeps the last 1000 records', () => {
    const win = makeWindow()
    installFakeVendors(win)
    bridgeFor(win, { debug: true, extends: 'none', destinations: { dataLayer: { events: { '*': true } } } })
    for (let i = 0; i < 1200; i++) win.popinEvent('nudge_show', { uid: 'u1' })
    expect(traceOf(win)).toHaveLength(1000)
  })
})

describe('the debugger with the npm build', () => {
  it('createBridge opens the overlay for ?popin_bridge_debug, as a chunk of its own; Escape closes it', async () => {
    const { createBridge } = await import('../src/index')
    const win = makeWindow('https://shop.example/?popin_bridge_debug')
    fixIds(win)
    installFakeVendors(win)
    const bridge = createBridge({ destinations: { facebookPixel: { pixelId: '1234567890' } } }, { window: win as unknown as Window, console: { log: () => undefined, warn: () => undefined, error: () => undefined } })
    try {
      win.popinEvent('nudge_show', { uid: 'u-1' })
      await expect.poll(() => win.document.querySelector('popin-bridge-debugger')?.shadowRoot?.querySelectorAll('.row').length).toBe(1)
      const root = win.document.querySelector('popin-bridge-debugger')!.shadowRoot!
      expect(root.querySelector('.row .destination-outcome[data-destination="facebookPixel"]')?.textContent).toBe('Facebook PixelNot sent events.nudge_show is false')

      // A redraw (a new event) keeps the vendor calls someone unfolded.
      const unfolded = () => root.querySelector('.row details.vendor') as unknown as { open: boolean }
      unfolded().open = true
      win.popinEvent('nudge_open', { uid: 'u-1' })
      await expect.poll(() => root.querySelectorAll('.row').length).toBe(2)
      expect(unfolded().open).toBe(true)

      win.dispatchEvent(new win.KeyboardEvent('keydown', { key: 'Escape' }))
      expect(win.document.querySelector('popin-bridge-debugger')).toBeNull()
      // Closed, it no longer watches the trace: the buffer's own push is back.
      expect(win.popinBridgeTrace.push).toBe(Array.prototype.push)
    } finally {
      bridge.destroy()
    }
  })

  it('the npm build imports the overlay from a chunk, not from the entry', () => {
    const entry = readFileSync(join(__dirname, '../dist/index.js'), 'utf8')
    const chunk = /import\('\.\/(chunks\/overlay-[\w-]+\.js)'\)/.exec(entry)?.[1]
    expect(chunk).toBeDefined()
    expect(readFileSync(join(__dirname, '../dist', chunk!), 'utf8')).toContain('popin-bridge-debugger')
    expect(entry).not.toContain('popin-bridge-debugger')
  })
})
