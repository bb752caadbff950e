// @vitest-environment node
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { FIXED_IDS, SESSION } from '../fixtures/session'
import { FBQ_SNIPPET, GTAG_SNIPPET } from '../fixtures/vendor-snippets'
import { chromiumAvailable, expectNoPersonalDataOnPage, useChromiumAndPages } from '../support/browser'
import { screenshot } from '../support/screenshot'

const BUNDLES = ['popin-bridge.lite.min.js', 'popin-bridge.min.js'] as const

/** A page whose own CSS is as greedy as it gets: `*` and element rules, some `!important`. */
const GREEDY_CSS = `<style>
* { color: rgb(255, 0, 0) !important; font-family: serif; letter-spacing: 2px; }
div, li, ul, table, td, button, select, strong, code { border: 3px dotted rgb(0, 128, 0); padding: 9px; margin: 5px; }
</style>`

const WATCH_ERRORS = `<script>window.__errors = [];
addEventListener('error', function (e) { if (e.message) __errors.push('error: ' + e.message) });
addEventListener('unhandledrejection', function (e) { __errors.push('unhandled rejection: ' + e.reason) });</script>`

const shopHtml = (bundle: string) => `<!doctype html><html><head><title>Blue Sofa</title>${GREEDY_CSS}${WATCH_ERRORS}
<script>${FIXED_IDS}</script><script>${FBQ_SNIPPET}</script><script>${GTAG_SNIPPET}</script>
<script>window.popinBridgeConfig = { destinations: { facebookPixel: { pixelId: '1234567890' }, ga4: { measurementId: 'G-PAGE1234' } } }</script>
<script src="/dist/${bundle}"></script></head>
<body><h1>Blue Sofa</h1><p id="para">A sofa.</p><button id="buy">Buy</button><table><tr><td id="cell">£499</td></tr></table>
<ul id="list"><li>Green</li></ul></body></html>`

/** Computed styles of the page's own elements: the overlay must change none of them. */
const pageStyles = (page: Page) =>
  page.evaluate(() =>
    ['body', 'h1', '#para', '#buy', '#cell', '#list li'].map((selector) => {
      const style = getComputedStyle(document.querySelector(selector)!)
      return [selector, style.color, style.fontFamily, style.fontSize, style.margin, style.padding, style.border, style.display, style.backgroundColor, style.lineHeight].join(' | ')
    }),
  )

/** What the overlay shows, read inside its shadow root, with the styles that must be its own. */
const overlayOf = (page: Page) =>
  page.evaluate(() => {
    const host = document.querySelector('popin-bridge-debugger')
    const root = host?.shadowRoot
    if (!root) return undefined
    const style = (selector: string) => {
      const element = root.querySelector(selector)
      if (!element) return undefined
      const s = getComputedStyle(element)
      return { color: s.color, fontFamily: s.fontFamily, letterSpacing: s.letterSpacing, border: s.borderTopStyle, padding: s.paddingTop }
    }
    return {
      title: root.querySelector('.bar h2')?.textContent,
      rows: [...root.querySelectorAll<HTMLElement>('.row')].map((row) => row.dataset.event),
      states: [...root.querySelectorAll<HTMLElement>('.destination')].map((d) => `${d.dataset.destination}: ${d.dataset.state}`),
      focused: (root.activeElement as HTMLElement | null)?.className,
      event: style('.event strong'),
      to: style('.to'),
      dialog: root.querySelector('.overlay')?.getAttribute('role'),
    }
  })

describe.skipIf(!chromiumAvailable())('the debugger overlay (?popin_bridge_debug) on a plain shop page', () => {
  const shared = useChromiumAndPages(beforeAll, afterAll)

  async function openPage(url: string, options: { blockDebugger?: boolean; debugBuild?: 'block' | 'hold' } = {}) {
    const context = await shared.browser.newContext({ viewport: { width: 1280, height: 800 } })
    const page = await context.newPage()
    const pageErrors: string[] = []
    page.on('pageerror', (error) => pageErrors.push(error.message))
    await page.route(/^https?:\/\/(?!127\.0\.0\.1)/, (route) => route.abort())
    if (options.blockDebugger) await page.route(/popin-bridge\.debugger\.js/, (route) => route.abort())
    // Lite's debug build: refused, or held until the test lets it through.
    let release = () => {}
    const held = new Promise<void>((resolve) => (release = resolve))
    if (options.debugBuild) {
      await page.route(/popin-bridge\.lite\.debug\.js/, async (route) => {
        if (options.debugBuild === 'block') return route.abort()
        await held
        await route.continue()
      })
    }
    // A held script holds the page's load event too.
    await page.goto(url, { waitUntil: options.debugBuild === 'hold' ? 'domcontentloaded' : 'load' })
    const errors = async () => [...pageErrors, ...(await page.evaluate(() => (window as any).__errors as string[]))]
    return { page, errors, release, close: () => context.close() }
  }

  const playSession = (page: Page) => page.evaluate((steps) => steps.forEach(([name, data]) => (window as any).popinEvent(name, data)), SESSION)

  describe.each(BUNDLES)('%s', (bundle) => {
    it('opens from next to the tag, shows the timeline, leaks no style either way, and closes with Escape', async () => {
      const url = shared.server.page(shopHtml(bundle))
      const plain = await openPage(url)
      const before = await pageStyles(plain.page)
      expect(await plain.page.$('popin-bridge-debugger')).toBeNull()
      await plain.close()

      const { page, errors, close } = await openPage(`${url}?popin_bridge_debug`)
      await page.waitForSelector('popin-bridge-debugger', { state: 'attached' })
      await playSession(page)
      await expect.poll(async () => (await overlayOf(page))?.rows.length).toBe(SESSION.length)
      const overlay = (await overlayOf(page))!
      expect(overlay.title).toBe('popin-bridge: what happened')
      expect(overlay.dialog).toBe('dialog')
      expect(overlay.rows).toEqual(SESSION.map(([name]) => name))
      expect(overlay.states).toEqual(['facebookPixel: ready', 'ga4: ready', 'segment: waiting', 'dataLayer: ready'])
      // The page's `* { color: red !important }` and element rules reach nothing inside.
      expect(overlay.event).toEqual({ color: 'rgb(29, 35, 48)', fontFamily: expect.stringContaining('system-ui'), letterSpacing: 'normal', border: 'none', padding: '0px' })
      expect(overlay.to).toMatchObject({ color: 'rgb(85, 85, 102)', letterSpacing: 'normal' })
      // And the overlay's styles reach no element of the page.
      expect(await pageStyles(page)).toEqual(before)

      // Keyboard: the dialog has focus first, then Tab reaches its close button and its filter.
      expect(overlay.focused).toContain('overlay')
      await page.keyboard.press('Tab')
      expect((await overlayOf(page))!.focused).toBe('close')
      await page.keyboard.press('Tab')
      expect(await page.evaluate(() => document.querySelector('popin-bridge-debugger')!.shadowRoot!.activeElement?.tagName)).toBe('SELECT')

      if (bundle === 'popin-bridge.lite.min.js') {
        // The README's screenshot, taken while its key elements are on screen.
        expect(await page.locator('popin-bridge-debugger .row').first().isVisible()).toBe(true)
        expect(await page.locator('popin-bridge-debugger .destination.waiting').textContent()).toContain('no analytics on the page')
        expect(await page.locator('popin-bridge-debugger .row').first().locator('.outcome.skipped').textContent()).toContain('events.nudge_show is false')
        await screenshot(page, 'overlay.png', { width: 1280, height: 800 })
      }

      await page.keyboard.press('Escape')
      expect(await page.$('popin-bridge-debugger')).toBeNull()
      expect(await pageStyles(page)).toEqual(before)
      expect(await errors()).toEqual([])
      await expectNoPersonalDataOnPage(page)
      await close()
    })

    it('a debugger file that fails to load breaks nothing: no error, events still flow', async () => {
      const { page, errors, close } = await openPage(`${shared.server.page(shopHtml(bundle))}?popin_bridge_debug`, { blockDebugger: true })
      await playSession(page)
      await page.waitForTimeout(300)
      expect(await page.$('popin-bridge-debugger')).toBeNull()
      expect(await page.evaluate(() => (window as any).fbq.queue.length)).toBe(8)
      expect(await errors()).toEqual([])
      await expectNoPersonalDataOnPage(page)
      await close()
    })
  })

  it('lite hands over to its debug build: what Popin sent while it loaded is handled by it, in order', async () => {
    const { page, errors, release, close } = await openPage(`${shared.server.page(shopHtml('popin-bridge.lite.min.js'))}?popin_bridge_debug`, { debugBuild: 'hold' })
    await playSession(page)
    await page.evaluate(() => (window as any).PopinBridge.consent({ ads: true }))
    expect(await page.evaluate(() => (window as any).fbq.queue.length)).toBe(2)
    release()
    await page.waitForSelector('popin-bridge-debugger', { state: 'attached' })
    await expect.poll(async () => (await overlayOf(page))?.rows).toEqual(SESSION.map(([name]) => name))
    // Each conversion once, in order, by the debug build; the decision made meanwhile counts.
    const fbq = await page.evaluate(() => Array.from((window as any).fbq.queue as ArrayLike<unknown>[], (args) => Array.from(args)))
    expect(fbq.slice(2).map((call) => call[2] ?? call[1])).toEqual(['grant', 'PopinPermissionGiven', 'Contact', 'PopinCallRated', 'Lead', 'Schedule', 'PopinExpertBusy'])
    expect(await page.evaluate(() => [...document.scripts].map((s) => s.src.split('/').pop()).filter(Boolean))).toEqual(['popin-bridge.lite.min.js', 'popin-bridge.lite.debug.js', 'popin-bridge.debugger.js'])
    expect(await errors()).toEqual([])
    await close()
  })

  it('lite whose debug build cannot load starts on its own, with the events that waited', async () => {
    const { page, errors, close } = await openPage(`${shared.server.page(shopHtml('popin-bridge.lite.min.js'))}?popin_bridge_debug`, { debugBuild: 'block' })
    await playSession(page)
    await expect.poll(() => page.evaluate(() => (window as any).fbq.queue.length)).toBe(8)
    expect(await page.evaluate(() => 'popinBridgeTrace' in window)).toBe(false)
    expect(await errors()).toEqual([])
    await close()
  })

  it('the normal tag loads nothing more without the flag', async () => {
    const { page, close } = await openPage(shared.server.page(shopHtml('popin-bridge.lite.min.js')))
    const scripts = await page.evaluate(() => [...document.scripts].map((s) => s.src).filter(Boolean))
    expect(scripts).toEqual([expect.stringMatching(/\/dist\/popin-bridge\.lite\.min\.js$/)])
    expect(await page.evaluate(() => 'popinBridgeTrace' in window)).toBe(false)
    await close()
  })
})
