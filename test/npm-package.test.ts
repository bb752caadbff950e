// @vitest-environment node
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it, vi } from 'vitest'
import { createBridge } from '../src/index'

const root = join(__dirname, '..')

describe('the npm package', () => {
  it('loads through its exports map from ESM and CommonJS', () => {
    // A consumer project whose node_modules holds this package, as npm would install it.
    const consumer = mkdtempSync(join(tmpdir(), 'popin-bridge-consumer-'))
    mkdirSync(join(consumer, 'node_modules'))
    symlinkSync(root, join(consumer, 'node_modules/popin-bridge'), 'dir')
    const script = (kind: 'import' | 'require') =>
      kind === 'import'
        ? `import('popin-bridge').then((m) => console.log(Object.keys(m).sort().join(',')))`
        : `console.log(Object.keys(require('popin-bridge')).sort().join(','))`
    const expected = 'POPIN_EVENTS,SCREEN_IDS,configJsonSchema,createBridge,defaultPreset,formatProblems,validateConfig'
    try {
      for (const kind of ['import', 'require'] as const) {
        expect(execFileSync(process.execPath, ['-e', script(kind)], { cwd: consumer, encoding: 'utf8' }).trim()).toBe(expected)
      }
    } finally {
      rmSync(consumer, { recursive: true, force: true })
    }
  })

  it('does nothing on a server (no window), and says so', () => {
    const console = { log: vi.fn(), warn: vi.fn(), error: vi.fn() }
    const bridge = createBridge({}, { console })
    expect(bridge.destinations).toEqual([])
    expect(bridge.problems).toEqual([])
    // The whole API: warnings are the CLI's business now, not the bridge's.
    expect(Object.keys(bridge).sort()).toEqual(['consent', 'destinations', 'destroy', 'handle', 'problems'])
    expect(console.warn.mock.calls[0]![0]).toBe('[popin-bridge] no window here: the bridge runs in the browser and does nothing on the server')
    expect(() => bridge.handle('nudge_show', {})).not.toThrow()
    expect(bridge.consent({ ads: false })).toEqual({})
    bridge.destroy()
  })
})
