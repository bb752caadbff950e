import { gzipSync, brotliCompressSync } from 'node:zlib'
import { readFileSync } from 'node:fs'
import commonjs from '@rollup/plugin-commonjs'
import json from '@rollup/plugin-json'
import { nodeResolve } from '@rollup/plugin-node-resolve'
import terser from '@rollup/plugin-terser'
import esbuild from 'rollup-plugin-esbuild'
import { es5 } from './build/es5.mjs'
import { gtmSafe } from './build/gtm-safe.mjs'
import { slimAnalyticsNext } from './build/slim-analytics-next.mjs'

const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8'))
const external = [...Object.keys(pkg.dependencies), /^node:/]

/**
 * Size budgets in bytes, min+gzip: the build fails over budget. Lite: 17 KB while it checks the
 * config in the page (README, "The lite budget"; `node bench/size-breakdown.mjs --floor`).
 */
export const BUDGETS = {
  'popin-bridge.lite.min.js': 18 * 1024,
  'popin-bridge.min.js': 48 * 1024,
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

const ts = (target, define) => esbuild({ target, tsconfig: 'tsconfig.json', ...(define ? { define } : {}) })
/** Browser bundles leave out what only editors and the CLI read (src/lib/describe.ts). */
const BROWSER = { __BROWSER__: 'true' }

/** analytics-next's compiled TypeScript uses a top-level `this`; rollup's rewrite is correct. */
const onwarn = (warning, warn) => {
  if (warning.code === 'THIS_IS_UNDEFINED' && warning.id?.includes('node_modules')) return
  warn(warning)
}

/** An IIFE for browsers, minified: the drop-ins, and (bench/) the peers built the same way. */
export const dropIn = (input, file, { slim = true } = {}) => ({
  input,
  onwarn,
  plugins: [...(slim ? [slimAnalyticsNext()] : []), json({ preferConst: true }), nodeResolve({ browser: true }), commonjs(), ts('es2020', BROWSER)],
  output: {
    file: `dist/${file}`,
    format: 'iife',
    inlineDynamicImports: true,
    plugins: [terser(TERSER_OPTIONS), sizeBudget()],
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
  dropIn('src/browser-lite.ts', 'popin-bridge.lite.min.js'),
  dropIn('src/debugger/index.ts', 'popin-bridge.debugger.js', { slim: false }),
  dropIn('src/browser.ts', 'popin-bridge.min.js'),
  dropIn('src/first-party/relay-script.ts', 'popin-bridge.relay.min.js'),
  // The lite drop-in in ES5 syntax: what `popin-bridge snippet --gtm` pastes into a Custom HTML tag.
  {
    input: 'src/browser-lite.ts',
    onwarn,
    plugins: [json({ preferConst: true }), nodeResolve({ browser: true }), ts('es2020', BROWSER)],
    output: {
      file: 'dist/popin-bridge.gtm.js',
      format: 'iife',
      plugins: [es5(), terser({ ecma: 5, compress: { passes: 2 }, format: { comments: false } }), gtmSafe()],
    },
  },
]
