// @vitest-environment node
// The architecture rules of README.md's "Layout" section, checked on the import graph that
// esbuild resolves (its metafile: type-only imports are dropped, as in the real bundles).
// Each rule is a checker function run twice: on the project, and on a small synthetic graph that
// breaks it (so the rule is shown to be able to fail). Nothing is written to disk.
import { readdirSync } from 'node:fs'
import { builtinModules } from 'node:module'
import { join, relative, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import * as esbuild from 'esbuild'
import { beforeAll, describe, expect, it } from 'vitest'

const ROOT = fileURLToPath(new URL('..', import.meta.url))

/** One import of a module, as esbuild's metafile records it (paths relative to the repo root). */
interface Edge {
  path: string
  kind: string
  external?: boolean
  original?: string
}

/** Each module's own imports: `inputs[file].imports` of a metafile. */
type Graph = Record<string, Edge[]>

/** The npm packages an adapter may import. */
const ADAPTER_PACKAGES = ['valibot', 'react-ga4', '@segment/analytics-next']

/** The browser entry points (rollup.config.mjs), and the npm entry of the tree-shakeable browser API. */
const DROP_INS = ['src/browser.ts', 'src/browser-lite.ts']
const BROWSER_API = 'src/core.ts'

/** The relay's server side of an adapter folder, and the list of server senders. */
const SERVER_FILES = ['capi.ts', 'measurement-protocol.ts', 'http-api.ts', 'webhooks.ts']
const SERVER_LIST = 'adapters/server.ts'

const SOURCE = /\.(ts|tsx|mts|cts|js|jsx|mjs|cjs)$/

/** Files under a folder of the repo, relative to the root with `/` separators. */
function filesUnder(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(ROOT, join(entry.parentPath, entry.name)).split(sep).join('/'))
    .sort()
}

const isNodeBuiltin = (path: string) => path.startsWith('node:') || builtinModules.includes(path)

/** The package an external import names: `valibot/x` → `valibot`, `@scope/pkg/x` → `@scope/pkg`. */
function packageOf(path: string): string {
  const parts = path.split('/')
  return path.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!
}

const describeEdge = (from: string, edge: Edge) =>
  `${from} imports '${edge.original ?? edge.path}'${edge.external ? ' (external)' : ` (${edge.path})`}`

// ---------------------------------------------------------------------------------------------
// The checkers

/** Rule 1: adapters/ import only adapters/, src/adapter.ts, src/lib/**, package.json and their npm packages. */
function adapterImportViolations(graph: Graph): string[] {
  const allowed = (edge: Edge) =>
    edge.external
      ? !isNodeBuiltin(edge.path) && ADAPTER_PACKAGES.includes(packageOf(edge.path))
      : edge.path.startsWith('adapters/') || edge.path === 'src/adapter.ts' || edge.path.startsWith('src/lib/') || edge.path === 'package.json'
  const violations: string[] = []
  for (const [file, edges] of Object.entries(graph)) {
    if (!file.startsWith('adapters/')) continue
    for (const edge of edges) if (!allowed(edge)) violations.push(describeEdge(file, edge))
  }
  return violations.sort()
}

/** The shortest import chain from `source` to a module `target` accepts, or undefined when none. */
function chainTo(graph: Graph, source: string, target: (file: string) => boolean): string[] | undefined {
  const parent = new Map<string, string | null>([[source, null]])
  const queue = [source]
  while (queue.length) {
    const file = queue.shift()!
    for (const edge of graph[file] ?? []) {
      if (edge.external) continue
      if (target(edge.path)) {
        const chain = [edge.path]
        for (let at: string | null | undefined = file; at != null; at = parent.get(at)) chain.unshift(at)
        return chain
      }
      if (parent.has(edge.path)) continue
      parent.set(edge.path, file)
      queue.push(edge.path)
    }
  }
  return undefined
}

const isRelay = (file: string) => file.startsWith('src/relay/')

/** Rule 2: no module of `sources` reaches src/relay/**, directly or through other modules. */
function relayReachViolations(graph: Graph, sources: string[]): string[] {
  const violations: string[] = []
  for (const source of sources) {
    const chain = chainTo(graph, source, isRelay)
    if (chain) violations.push(chain.join(' -> '))
  }
  return violations.sort()
}

/** Rule 3: the import cycles among modules of src/ and adapters/, each as a path `a -> b -> a`. */
function findCycles(graph: Graph): string[] {
  const inScope = (file: string) => file.startsWith('src/') || file.startsWith('adapters/')
  const next = (file: string) => [...new Set((graph[file] ?? []).filter((e) => !e.external && inScope(e.path)).map((e) => e.path))]
  // Tarjan's strongly connected components: each component of more than one module (or a
  // module importing itself) holds at least one cycle; one is reported per component.
  const index = new Map<string, number>()
  const low = new Map<string, number>()
  const stack: string[] = []
  const onStack = new Set<string>()
  const components: string[][] = []
  const visit = (file: string) => {
    index.set(file, index.size)
    low.set(file, index.get(file)!)
    stack.push(file)
    onStack.add(file)
    for (const to of next(file)) {
      if (!index.has(to)) {
        visit(to)
        low.set(file, Math.min(low.get(file)!, low.get(to)!))
      } else if (onStack.has(to)) {
        low.set(file, Math.min(low.get(file)!, index.get(to)!))
      }
    }
    if (low.get(file) === index.get(file)) {
      const component: string[] = []
      let member: string
      do {
        member = stack.pop()!
        onStack.delete(member)
        component.push(member)
      } while (member !== file)
      if (component.length > 1 || next(file).includes(file)) components.push(component)
    }
  }
  for (const file of Object.keys(graph).filter(inScope).sort()) if (!index.has(file)) visit(file)

  return components
    .map((component) => {
      const members = new Set(component)
      const start = [...component].sort()[0]!
      // The shortest way back to `start` inside the component.
      const inside: Graph = {}
      for (const file of component) inside[file] = next(file).filter((to) => members.has(to)).map((path) => ({ path, kind: 'import-statement' }))
      return chainTo(inside, start, (file) => file === start)!.join(' -> ')
    })
    .sort()
}

/** Rule 4: what a browser bundle must not contain: relay modules, server senders, node built-ins. */
function relayCodeInBundle(inputs: Graph): string[] {
  const violations: string[] = []
  for (const [file, edges] of Object.entries(inputs)) {
    if (isRelay(file)) violations.push(`${file} (relay module)`)
    const parts = file.split('/')
    if (file === SERVER_LIST || (parts[0] === 'adapters' && parts.length === 3 && SERVER_FILES.includes(parts[2]!))) violations.push(`${file} (server sender)`)
    for (const edge of edges) if (isNodeBuiltin(edge.path)) violations.push(`${describeEdge(file, edge)} (node built-in)`)
  }
  return violations.sort()
}

/** What a destination folder's index.ts exports, or undefined when it has none. */
interface DestinationFolder {
  folder: string
  exports: Record<string, unknown> | undefined
}

/** An adapter definition: a plain object with the members the bridge calls (src/adapter.ts). */
function isAdapter(value: unknown): value is { name: string } {
  if (typeof value !== 'object' || value === null) return false
  const a = value as Record<string, unknown>
  return (
    typeof a.name === 'string' &&
    typeof a.label === 'string' &&
    typeof a.vendorGlobal === 'string' &&
    Array.isArray(a.calls) &&
    typeof a.findOnPage === 'function' &&
    typeof a.vendorCalls === 'function' &&
    typeof a.invoke === 'function'
  )
}

/** Rule 5: each folder of adapters/ is one destination, listed in `pageAdapters`, and back. */
function destinationProblems(folders: DestinationFolder[], pageAdapterNames: string[], settingsNames: string[]): string[] {
  const problems: string[] = []
  for (const name of pageAdapterNames) if (!settingsNames.includes(name)) problems.push(`pageAdapters has '${name}', which has no settings and preset in builtInConfig (adapters/config.ts)`)
  const found = new Set<string>()
  for (const { folder, exports } of folders) {
    if (!exports) {
      problems.push(`adapters/${folder}/ has no index.ts`)
      continue
    }
    const adapters = Object.values(exports).filter(isAdapter)
    if (adapters.length === 0) problems.push(`adapters/${folder}/index.ts exports no adapter object`)
    for (const adapter of adapters) {
      found.add(adapter.name)
      if (!pageAdapterNames.includes(adapter.name)) problems.push(`adapters/${folder}/index.ts exports adapter '${adapter.name}', which is not in pageAdapters (adapters/index.ts)`)
    }
  }
  for (const name of pageAdapterNames) if (!found.has(name)) problems.push(`pageAdapters has '${name}', which no adapters/<folder>/index.ts exports`)
  return problems.sort()
}

// ---------------------------------------------------------------------------------------------
// The project's graphs

const ENTRIES = [...filesUnder('src'), ...filesUnder('adapters')].filter((file) => SOURCE.test(file))

/** Every module of src/ and adapters/ as an entry, npm packages and node built-ins left external. */
async function projectGraph(): Promise<Graph> {
  const result = await esbuild.build({
    absWorkingDir: ROOT,
    entryPoints: ENTRIES,
    outdir: 'layout-test-out', // never written: write is false
    bundle: true,
    write: false,
    metafile: true,
    platform: 'node',
    format: 'esm',
    logLevel: 'silent',
    packages: 'external',
    external: ['node:*'],
  })
  return Object.fromEntries(Object.entries(result.metafile.inputs).map(([file, input]) => [file, input.imports]))
}

/**
 * A browser bundle as rollup builds it (npm packages included, resolved for browsers); node
 * built-ins are left external so that an import of one is reported instead of failing the build.
 * All modules reached are returned, whether or not tree-shaking kept their code.
 */
async function browserBundleInputs(entry: string, define?: Record<string, string>): Promise<Graph> {
  const result = await esbuild.build({
    absWorkingDir: ROOT,
    entryPoints: [entry],
    bundle: true,
    write: false,
    metafile: true,
    platform: 'browser',
    format: 'esm',
    logLevel: 'silent',
    external: ['node:*', ...builtinModules],
    ...(define ? { define } : {}),
  })
  return Object.fromEntries(Object.entries(result.metafile.inputs).map(([file, input]) => [file, input.imports]))
}

let graph: Graph
const bundles: Record<string, Graph> = {}

beforeAll(async () => {
  const [project, ...browser] = await Promise.all([
    projectGraph(),
    // The drop-ins are built with __BROWSER__ defined (rollup.config.mjs); the npm entry is not.
    ...DROP_INS.map((entry) => browserBundleInputs(entry, { __BROWSER__: 'true' })),
    browserBundleInputs(BROWSER_API),
  ])
  graph = project!
  for (const [i, entry] of [...DROP_INS, BROWSER_API].entries()) bundles[entry] = browser[i]!
})

// ---------------------------------------------------------------------------------------------
// Synthetic graphs that break the rules

const to = (path: string, original = path): Edge => ({ path, kind: 'import-statement', original })
const pkg = (path: string): Edge => ({ path, kind: 'import-statement', external: true, original: path })

describe('the import graph', () => {
  it('holds every module of src/ and adapters/, with their resolved imports', () => {
    for (const file of ENTRIES) expect(graph, `${file} is missing from the graph`).toHaveProperty([file])
    // The paths the checkers compare are the ones esbuild writes.
    expect(graph['src/relay/adapters.ts']!.map((e) => e.path)).toContain('adapters/index.ts')
    expect(graph['adapters/ga4/load.ts']).toContainEqual(expect.objectContaining({ path: 'react-ga4', kind: 'dynamic-import', external: true }))
  })
})

describe('rule 1: adapters/ import only adapters/, src/adapter.ts, src/lib/, package.json and their npm packages', () => {
  it('holds for every file under adapters/', () => {
    for (const file of filesUnder('adapters')) expect(graph, `${file} was not checked`).toHaveProperty([file])
    const violations = adapterImportViolations(graph)
    expect(violations, `adapters/ imports outside what it may:\n${violations.join('\n')}`).toEqual([])
  })

  it('reports an adapter file that imports what it may not', () => {
    const fake: Graph = {
      'adapters/x/index.ts': [
        to('src/relay/x.ts', '../../src/relay/x'),
        to('src/plan/run.ts', '../../src/plan/run'),
        to('src/config/schema.ts', '../../src/config/schema'),
        to('src/bridge.ts', '../../src/bridge'),
        to('src/adapters.ts', '../../src/adapters'),
        to('src/library/x.ts', '../../src/library/x'),
        pkg('libsql'),
        pkg('node:crypto'),
        pkg('@segment/analytics-node'),
        // allowed:
        to('adapters/x/preset.ts', './preset'),
        to('adapters/index.ts', '../index'),
        to('src/adapter.ts', '../../src/adapter'),
        to('src/lib/memo.ts', '../../src/lib/memo'),
        to('package.json', '../../package.json'),
        pkg('valibot'),
        pkg('@segment/analytics-next'),
        { path: 'react-ga4', kind: 'dynamic-import', external: true, original: 'react-ga4' },
      ],
      // Only adapters/ is bound by this rule.
      'src/relay/x.ts': [to('adapters/x/index.ts'), pkg('node:http')],
    }
    expect(adapterImportViolations(fake)).toEqual([
      "adapters/x/index.ts imports '../../src/adapters' (src/adapters.ts)",
      "adapters/x/index.ts imports '../../src/bridge' (src/bridge.ts)",
      "adapters/x/index.ts imports '../../src/config/schema' (src/config/schema.ts)",
      "adapters/x/index.ts imports '../../src/library/x' (src/library/x.ts)",
      "adapters/x/index.ts imports '../../src/plan/run' (src/plan/run.ts)",
      "adapters/x/index.ts imports '../../src/relay/x' (src/relay/x.ts)",
      "adapters/x/index.ts imports '@segment/analytics-node' (external)",
      "adapters/x/index.ts imports 'libsql' (external)",
      "adapters/x/index.ts imports 'node:crypto' (external)",
    ])
  })
})

describe('rule 2: src/relay/ may import adapters/; adapters/ and the browser entries never reach src/relay/', () => {
  it('holds for every module of adapters/ and the browser entry points', () => {
    const sources = [...Object.keys(graph).filter((file) => file.startsWith('adapters/')), ...DROP_INS, BROWSER_API]
    const violations = relayReachViolations(graph, sources)
    expect(violations, `import chains into src/relay/:\n${violations.join('\n')}`).toEqual([])
  })

  it('reports a chain into src/relay/, direct or through other modules, and not the relay importing adapters', () => {
    const fake: Graph = {
      'adapters/x/index.ts': [to('src/lib/a.ts')],
      'adapters/x/capi.ts': [to('src/relay/sha256.ts')],
      'src/lib/a.ts': [to('src/lib/b.ts')],
      'src/lib/b.ts': [to('src/relay/store.ts')],
      'src/browser.ts': [to('src/bridge.ts')],
      'src/bridge.ts': [to('src/relay/metrics.ts')],
      'src/browser-lite.ts': [to('adapters/x/preset.ts')],
      'adapters/x/preset.ts': [pkg('valibot')],
      'src/relay/relay.ts': [to('adapters/x/index.ts'), to('adapters/server.ts')],
    }
    expect(relayReachViolations(fake, ['adapters/x/index.ts', 'adapters/x/capi.ts', 'adapters/x/preset.ts', 'src/browser.ts', 'src/browser-lite.ts'])).toEqual([
      'adapters/x/capi.ts -> src/relay/sha256.ts',
      'adapters/x/index.ts -> src/lib/a.ts -> src/lib/b.ts -> src/relay/store.ts',
      'src/browser.ts -> src/bridge.ts -> src/relay/metrics.ts',
    ])
  })
})

describe('rule 3: no import cycle between modules of src/ and adapters/', () => {
  it('holds for the whole graph', () => {
    const cycles = findCycles(graph)
    expect(cycles, `import cycles:\n${cycles.join('\n')}`).toEqual([])
  })

  it('reports each cycle as a path, and no cycle in a diamond', () => {
    const fake: Graph = {
      'src/a.ts': [to('src/b.ts')],
      'src/b.ts': [to('src/a.ts')],
      'adapters/x/index.ts': [to('adapters/x/preset.ts')],
      'adapters/x/preset.ts': [to('src/lib/c.ts')],
      'src/lib/c.ts': [to('adapters/x/index.ts'), pkg('valibot')],
      'src/self.ts': [to('src/self.ts')],
      // a diamond, no cycle:
      'src/top.ts': [to('src/left.ts'), to('src/right.ts')],
      'src/left.ts': [to('src/bottom.ts')],
      'src/right.ts': [to('src/bottom.ts')],
      'src/bottom.ts': [],
    }
    expect(findCycles(fake)).toEqual([
      'adapters/x/index.ts -> adapters/x/preset.ts -> src/lib/c.ts -> adapters/x/index.ts',
      'src/a.ts -> src/b.ts -> src/a.ts',
      'src/self.ts -> src/self.ts',
    ])
  })
})

describe('rule 4: the browser bundles contain no relay code', () => {
  it.each([...DROP_INS, BROWSER_API])('%s reaches no relay module, server sender or node built-in', (entry) => {
    const inputs = bundles[entry]!
    expect(inputs, `${entry} was not bundled`).toHaveProperty([entry])
    const violations = relayCodeInBundle(inputs)
    expect(violations, `relay code in the ${entry} bundle:\n${violations.join('\n')}`).toEqual([])
  })

  it('reports relay modules, server senders and node built-ins in a bundle', () => {
    const fake: Graph = {
      'src/browser.ts': [to('src/relay/store.ts'), to('adapters/ga4/index.ts')],
      'src/relay/store.ts': [],
      'adapters/ga4/index.ts': [pkg('valibot')],
      'adapters/ga4/measurement-protocol.ts': [],
      'adapters/ga4/webhooks.ts': [],
      'adapters/facebook-pixel/capi.ts': [],
      'adapters/segment/http-api.ts': [],
      'adapters/server.ts': [],
      'src/lib/hash.ts': [pkg('node:crypto')],
      'node_modules/some-lib/index.js': [pkg('fs')],
    }
    expect(relayCodeInBundle(fake)).toEqual([
      'adapters/facebook-pixel/capi.ts (server sender)',
      'adapters/ga4/measurement-protocol.ts (server sender)',
      'adapters/ga4/webhooks.ts (server sender)',
      'adapters/segment/http-api.ts (server sender)',
      'adapters/server.ts (server sender)',
      "node_modules/some-lib/index.js imports 'fs' (external) (node built-in)",
      "src/lib/hash.ts imports 'node:crypto' (external) (node built-in)",
      'src/relay/store.ts (relay module)',
    ])
  })
})

describe('rule 5: a destination is one folder of adapters/, listed in pageAdapters', () => {
  it('holds for every folder of adapters/', async () => {
    const { pageAdapters } = (await import('../adapters/index')) as { pageAdapters: readonly { name: string }[] }
    const folders: DestinationFolder[] = []
    for (const entry of readdirSync(join(ROOT, 'adapters'), { withFileTypes: true })) {
      if (!entry.isDirectory()) continue
      const index = `adapters/${entry.name}/index.ts`
      const exports = filesUnder('adapters').includes(index) ? ((await import(/* @vite-ignore */ join(ROOT, index))) as Record<string, unknown>) : undefined
      folders.push({ folder: entry.name, exports })
    }
    expect(folders.length).toBeGreaterThan(0)
    const { builtInConfig } = await import('../adapters/config')
    const problems = destinationProblems(folders, pageAdapters.map((adapter) => adapter.name), Object.keys(builtInConfig))
    expect(problems, `destination folders:\n${problems.join('\n')}`).toEqual([])
  })

  it('reports a folder without index.ts, without an adapter, with an adapter missing from pageAdapters, or without settings and preset', () => {
    const adapter = (name: string) => ({ name, label: name, vendorGlobal: name, calls: ['track'], findOnPage() {}, vendorCalls() {}, invoke() {} })
    const folders: DestinationFolder[] = [
      { folder: 'ga4', exports: { ga4: adapter('ga4'), GA4_LIMITS: {} } },
      { folder: 'new-vendor', exports: { newVendor: adapter('new-vendor') } },
      { folder: 'no-index', exports: undefined },
      { folder: 'helpers', exports: { helper: () => 1, half: { name: 'half', label: 'Half' } } },
    ]
    expect(destinationProblems(folders, ['ga4', 'segment'], ['ga4'])).toEqual([
      'adapters/helpers/index.ts exports no adapter object',
      'adapters/new-vendor/index.ts exports adapter \'new-vendor\', which is not in pageAdapters (adapters/index.ts)',
      'adapters/no-index/ has no index.ts',
      "pageAdapters has 'segment', which has no settings and preset in builtInConfig (adapters/config.ts)",
      "pageAdapters has 'segment', which no adapters/<folder>/index.ts exports",
    ])
  })
})
