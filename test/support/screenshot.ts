import { join } from 'node:path'
import type { Locator, Page } from 'playwright-core'
import { expect } from 'vitest'

const DOCS = join(__dirname, '../../docs')

/**
 * A screenshot for the README, taken once its key elements were checked: written to docs/ when
 * POPIN_BRIDGE_SCREENSHOTS is set (`npm run screenshots`), else only taken (so a run never
 * leaves the work tree changed). Either way it must be a PNG of the size asked for.
 */
export async function screenshot(target: Page | Locator, name: string, clip?: { width: number; height: number }): Promise<void> {
  const path = process.env.POPIN_BRIDGE_SCREENSHOTS ? join(DOCS, name) : undefined
  const options = { ...(path ? { path } : {}), ...(clip ? { clip: { x: 0, y: 0, ...clip } } : {}) }
  const png = await target.screenshot(options)
  expect(png.subarray(1, 4).toString('latin1')).toBe('PNG')
  if (clip) expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([clip.width, clip.height])
}
