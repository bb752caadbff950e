import { gzipSync, brotliCompressSync } from 'node:zlib'
import { readFileSync } from 'node:fs'
import commonjs from '@rollup/plugin-commonjs'
import json from '@rollup/plugin-json'
import { nodeResolve } from '@rollup/plugin-node-resolve'
import terser from '@rollup/plugin-terser'
import esbuild from 'rollup-plugin-esbuild'
import { es5 } from './build/es5.mjs'
import { slimAnalyticsNext } from './build/slim-analytics-next.mjs'

const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8'))
const external = [...Object.keys(pkg.dependencies), /^node:/]

/**
 * Size budgets in bytes, min+gzip: the build fails over budget (README, "Sizes"; the compiled
 * tag's are in scripts/tag-budget.mjs). Targets: lite 6 KB, full 48 KB. Lite's are today's sizes
 * plus about 3 %, so that they cannot grow back.
 */
export const BUDGETS = {
  'popin-bridge.lite.min.js': 14_140,
  'popin-bridge.min.js': 48 * 1024,
  // Loaded by lite instead of itself, only for ?popin_bridge_debug or "debug": true.
  'popin-bridge.lite.debug.js': 14_790,
  // Loaded only on pages whose config has a relayUrl, from the relay (`<relayUrl>/e.js`).
  'popin-bridge.relay.min.js': 3 * 1024,
  // Loaded only for ?popin_bridge_debug, next to the drop-in (src/drop-in.ts).
  'popin-bridge.debugger.js': 6 * 1024,
}

/** Prints each drop-in's size and fails the build when one is over its budget. */
function sizeBudget() {
  return {
    name: 'size-budget',
    generateBundle(_options, bundle) {
      for (const [fileName, chunk] of Object.entries(bundle)) {
        const budget = BUDGETS[fileName]
        if (chunk.type !== 'chunk' || budget === undefined) continue
        const gzip = gzipSync(chunk.code, { level: 9 }).length
        const brotli = brotliCompressSync(chunk.code).length
        const line = `${fileName}: ${chunk.code.length} B min, ${gzip} B min+gzip, ${brotli} B min+brotli (budget ${budget} B gzip)`
        if (gzip > budget) this.error(`over budget: ${line}`)
        console.log(`size ok: ${line}`)
      }
    },
  }
}

/** Minification of the drop-ins; bench/ rebuilds variants with the same settings. */
export const TERSER_OPTIONS = { ecma: 2020, compress: { passes: 3, unsafe_arrows: true, pure_getters: true }, format: { comments: false } }

/** Compressed once here, so that `popin-bridge build` has less to do; its `__TAG_*__` and exports stay. */
const TAG_RUNTIME_TERSER = { module: true, compress: { passes: 1 }, mangle: false, format: { comments: false, preserve_annotations: true } }

const ts = (target, define) => esbuild({ target, tsconfig: 'tsconfig.json', define: { ...EVERYTHING_IN, ...define } })
/**
 * Every build but the compiled tag's runtime has every feature (src/lib/tag-features.ts): defined
 * here, so that no page global of the same name can switch one off, and the checks fold away.
 */
const EVERYTHING_IN = {
  __TAG_TCF__: 'true',
  __TAG_GOOGLE_CONSENT__: 'true',
  __TAG_HASH__: 'true',
  __TAG_RELAY__: 'true',
  __TAG_DEBUG__: 'true',
  __TAG_LOAD__: 'true',
  __TAG_IDS__: 'true',
  __TAG_PLAN__: 'undefined',
  __TAG_SHAPES__: 'undefined',
  __TAG_READERS__: 'undefined',
  __TAG_FIELDS__: 'undefined',
  __TAG_GA4_NAMES__: 'true',
  __TAG_GA4_RESERVED__: 'true',
  __TAG_FB_NAMES__: 'true',
}
/** What `popin-bridge build` defines when it cuts a tag from the runtime. */
const LEFT_TO_THE_TAG = Object.fromEntries(Object.keys(EVERYTHING_IN).map((key) => [key, key]))
/** Browser bundles leave out what only editors and the CLI read (src/lib/describe.ts). */
const BROWSER = { __BROWSER__: 'true' }

/** analytics-next's compiled TypeScript uses a top-level `this`; rollup's rewrite is correct. */
const onwarn = (warning, warn) => {
  if (warning.code === 'THIS_IS_UNDEFINED' && warning.id?.includes('node_modules')) return
  warn(warning)
}

/** An IIFE for browsers, minified: the drop-ins, and (bench/) the peers built the same way. */
export const dropIn = (input, file, { slim = true, debug = true, load = true } = {}) => ({
  input,
  onwarn,
  plugins: [
    ...(slim ? [slimAnalyticsNext()] : []),
    json({ preferConst: true }),
    nodeResolve({ browser: true }),
    commonjs(),
    // Without debug mode, the trace and debug lines are left out (src/lib/tag-features.ts).
    ts('es2020', { ...BROWSER, __TAG_DEBUG__: String(debug), __TAG_LOAD__: String(load) }),
  ],
  output: {
    file: `dist/${file}`,
    format: 'iife',
    inlineDynamicImports: true,
    // V8's compile hint before any code (src/tag/build.ts, COMPILE_HINT, says why).
    plugins: [terser({ ...TERSER_OPTIONS, format: { ...TERSER_OPTIONS.format, preamble: '//# allFunctionsCalledOnLoad' } }), sizeBudget()],
  },
})

export default [
  {
    input: { index: 'src/index.ts', core: 'src/core.ts' },
    external,
    plugins: [json({ preferConst: true }), ts('es2019')],
    output: [
      { dir: 'dist', format: 'es', entryFileNames: '[name].js', chunkFileNames: 'chunks/[name]-[hash].js' },
      { dir: 'dist', format: 'cjs', entryFileNames: '[name].cjs', chunkFileNames: 'chunks/[name]-[hash].cjs' },
    ],
  },
  {
    input: 'src/cli/main.ts',
    external: (id) => id.startsWith('node:') || external.includes(id),
    plugins: [json({ preferConst: true }), nodeResolve(), ts('node20')],
    output: { file: 'dist/cli.js', format: 'es', banner: '#!/usr/bin/env node', inlineDynamicImports: true },
  },
  {
    input: 'src/relay/sqlite-thread.ts',
    external: (id) => id.startsWith('node:') || external.includes(id),
    plugins: [json({ preferConst: true }), nodeResolve(), ts('node20')],
    output: { file: 'dist/sqlite-thread.js', format: 'es' },
  },
  // The compiled tag's runtime in ES5 syntax (GTM's Custom HTML editor rejects newer syntax):
  // `popin-bridge build` fills it in and minifies it (src/tag/build.ts).
  {
    input: 'src/tag/runtime.ts',
    onwarn,
    plugins: [json({ preferConst: true }), nodeResolve({ browser: true }), ts('es2020', { ...BROWSER, ...LEFT_TO_THE_TAG })],
    output: [
      { file: 'dist/tag-runtime.js', format: 'es', plugins: [terser(TAG_RUNTIME_TERSER)] },
      { file: 'dist/tag-runtime.es5.js', format: 'es', plugins: [es5({ module: true }), terser({ ...TAG_RUNTIME_TERSER, ecma: 5 })] },
    ],
  },
  // Lite without debug mode; it loads its debug build when debug mode is asked for (src/drop-in.ts).
  dropIn('src/browser-lite.ts', 'popin-bridge.lite.min.js', { debug: false, load: false }),
  dropIn('src/browser-lite.ts', 'popin-bridge.lite.debug.js', { load: false }),
  dropIn('src/debugger/index.ts', 'popin-bridge.debugger.js', { slim: false }),
  dropIn('src/browser.ts', 'popin-bridge.min.js'),
  dropIn('src/first-party/relay-script.ts', 'popin-bridge.relay.min.js'),
]
