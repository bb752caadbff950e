// @vitest-environment node
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import ts from 'typescript'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

// The package's types as a TypeScript project that installed it sees them (dist/, as `npm run
// build` leaves it): under each module resolution users pick, one deliberate mistake in an ES
// module and in a CommonJS one, each reported with the package's own types (an import that does
// not resolve is `any`, and no mistake), and no other error. (The declarations themselves are
// type-checked where they are made, by tsc; checking them again here, valibot's with them, takes
// ten seconds a case.)
let project: string

beforeAll(() => {
  project = mkdtempSync(join(tmpdir(), 'popin-bridge-types-'))
  mkdirSync(join(project, 'node_modules'))
  symlinkSync(resolve(__dirname, '..'), join(project, 'node_modules/popin-bridge'), 'dir')
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'shop', type: 'module', private: true }))
  writeFileSync(
    join(project, 'main.ts'),
    [
      "import { createBridge, type BridgeConfig } from 'popin-bridge'",
      "import { ga4 } from 'popin-bridge/core'",
      "const config: BridgeConfig = { destinations: { ga4: { measurementId: 'G-ABC1234' } } }",
      'const wrong: number = createBridge(config).destinations',
      "const name: 'ga4' = ga4.name",
      '',
    ].join('\n'),
  )
  writeFileSync(
    join(project, 'legacy.cts'),
    ["import bridge = require('popin-bridge')", "import core = require('popin-bridge/core')", 'const wrong: number = bridge.createBridge().problems', 'const name: number = core.segment.name', ''].join('\n'),
  )
})

afterAll(() => rmSync(project, { recursive: true, force: true }))

/** Every diagnostic of the project, as `file(line): TS<code> message`. */
function diagnostics(options: ts.CompilerOptions, files: string[]): string[] {
  const program = ts.createProgram(
    files.map((file) => join(project, file)),
    { strict: true, noEmit: true, target: ts.ScriptTarget.ES2022, lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'], skipLibCheck: true, types: [], ...options },
  )
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const where = d.file ? `${d.file.fileName.replace(`${project}/`, '')}(${d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1})` : ''
    return `${where}: TS${d.code} ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`
  })
}

describe('the package types, as a project that installed it sees them', () => {
  it('resolve under moduleResolution NodeNext, for import and for require', () => {
    expect(diagnostics({ module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext }, ['main.ts', 'legacy.cts'])).toEqual([
      "legacy.cts(3): TS2322 Type 'readonly Problem[]' is not assignable to type 'number'.",
      "legacy.cts(4): TS2322 Type 'string' is not assignable to type 'number'.",
      "main.ts(4): TS2322 Type 'readonly string[]' is not assignable to type 'number'.",
    ])
  }, 30_000)

  it('resolve under the older moduleResolution Node10, for require', () => {
    expect(diagnostics({ module: ts.ModuleKind.CommonJS, moduleResolution: ts.ModuleResolutionKind.Node10 }, ['legacy.cts'])).toEqual([
      "legacy.cts(3): TS2322 Type 'readonly Problem[]' is not assignable to type 'number'.",
      "legacy.cts(4): TS2322 Type 'string' is not assignable to type 'number'.",
    ])
  }, 30_000)

  it('resolve under moduleResolution Bundler', () => {
    expect(diagnostics({ module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler }, ['main.ts'])).toEqual([
      "main.ts(4): TS2322 Type 'readonly string[]' is not assignable to type 'number'.",
    ])
  }, 30_000)
})
