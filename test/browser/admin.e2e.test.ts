// @vitest-environment node
import type { Browser } from 'playwright-core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { INDIAN_WEBHOOKS, WEBHOOKS } from '../fixtures/webhooks'
import { chromiumAvailable, launchChromium } from '../support/browser'
import { describeLeak, personalDataIn } from '../support/personal-data'
import { screenshot } from '../support/screenshot'
import { ADMIN_TOKEN, startAdminRelay } from '../relay/admin-support'
import { recentTimestamp } from '../relay/support'

const recent = (body: Record<string, unknown>) => ({ ...body, timestamp: recentTimestamp().text })

describe.skipIf(!chromiumAvailable())("the relay's admin pages in Chromium", () => {
  let browser: Browser
  let admin: Awaited<ReturnType<typeof startAdminRelay>> | undefined
  beforeAll(async () => void (browser = await launchChromium()))
  afterAll(async () => browser?.close())
  afterEach(async () => {
    await admin?.close()
    admin = undefined
  })

  it('shows only a login form without the token (401), then the deliveries, and replays a dead letter with a click', async () => {
    admin = await startAdminRelay({ validateGa4: true, maxAttempts: 1 })
    const { fakes, relay } = admin
    fakes.respond.meta = () => ({ status: 200, body: '{"events_received":1,"messages":[],"fbtrace_id":"AfX2mQ7rT9c"}' })
    fakes.respond.ga4 = ({ url }) =>
      url.startsWith('/ga4/debug/')
        ? { status: 200, body: JSON.stringify({ validationMessages: [{ fieldPath: 'events.params.call_duration', description: 'Parameter value is over 100 characters.', validationCode: 'VALUE_INVALID' }] }) }
        : undefined
    // Segment refuses the first webhook: a dead letter to replay.
    await admin.deadLetter('segment', recent(WEBHOOKS.popin_call_missed!), '{"success":false,"message":"invalid write key"}')
    for (const body of [WEBHOOKS.popin_user_captured!, INDIAN_WEBHOOKS.popin_call_successful!]) expect((await admin.post(recent(body))).status).toBe(200)
    await expect.poll(() => relay.store.backlog()).toEqual({})

    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
    const page = await context.newPage()
    const problems: string[] = []
    page.on('pageerror', (error) => problems.push(error.message))
    // A CSP violation shows as a console error; the two 401 answers are expected.
    page.on('console', (message) => message.type() === 'error' && !message.text().includes('status of 401') && problems.push(message.text()))
    await page.route(/^https?:\/\/(?!127\.0\.0\.1)/, (route) => route.abort())

    // Without the token: 401, a login form, nothing of what the relay holds.
    const refused = await page.goto(`${relay.url}/admin`)
    expect(refused!.status()).toBe(401)
    expect(await page.locator('form.login').isVisible()).toBe(true)
    expect(await page.locator('.row').count()).toBe(0)
    expect(await page.content()).not.toContain('popin_call_missed')
    await page.fill('#token', 'not the token')
    await page.click('form.login button')
    expect(await page.locator('form.login p').textContent()).toBe('Wrong token.')

    await page.fill('#token', ADMIN_TOKEN)
    await page.click('form.login button')
    await page.waitForSelector('.row')
    expect(page.url()).toBe(`${relay.url}/admin`)
    expect(await page.locator('.row strong').allTextContents()).toEqual(['popin_call_successful', 'popin_user_captured', 'popin_call_missed'])

    // The README's screenshot, once its key elements are on screen.
    expect(await page.locator('.dead tr[data-dead]').count()).toBe(1)
    expect(await page.locator('[data-fbtrace-id]').first().textContent()).toBe('AfX2mQ7rT9c')
    expect(await page.locator('[data-validation]').first().textContent()).toContain('VALUE_INVALID')
    expect(await page.locator('.row').first().locator('table[aria-label="Match keys, SHA-256"]').isVisible()).toBe(true)
    expect(await page.locator('.bar h2').textContent()).toBe('popin-bridge relay · admin')
    // The debugger's look: the same label colours.
    expect(await page.locator('.outcome.sent .label').first().evaluate((e) => getComputedStyle(e).backgroundColor)).toBe('rgb(211, 249, 216)')
    await screenshot(page, 'admin.png', { width: 1280, height: 900 })
    const leaks = personalDataIn([await page.content()]).map((leak) => describeLeak(leak, 'page'))
    expect(leaks).toEqual([])

    // Replay through the page: the dead letter goes out again (Segment now answers 200).
    await page.click('.dead button[data-replay]')
    await page.waitForSelector('.notice')
    expect(await page.locator('.notice').textContent()).toBe('Replayed 1 dead letter: due again now.')
    await expect.poll(async () => (await relay.store.counts()).segment?.dead).toBeUndefined()
    await expect.poll(() => relay.store.backlog()).toEqual({})
    await page.reload()
    expect(await page.locator('.dead tr[data-dead]').count()).toBe(0)
    expect(problems).toEqual([])
    await context.close()
  }, 20_000)
})
