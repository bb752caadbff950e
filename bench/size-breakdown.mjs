// node bench/size-breakdown.mjs [lite|full]: where the drop-in's bytes go, by source module.
// Each module's rendered code is minified and gzipped on its own: the figures overstate a little
// (gzip shares nothing across modules) but rank the modules faithfully.
//
// node bench/size-breakdown.mjs tag: the same for the compiled tag's runtime, before `popin-bridge build`
// drops the parts a config does not use (every destination and feature is still in).
//
// node bench/size-breakdown.mjs --floor: the lite bundle rebuilt with whole features taken out,
// min+gzip exactly as the build measures it, to show what a smaller budget would cost.
import { gzipSync } from 'node:zlib'
import { minify } from 'terser'
import { rollup } from 'rollup'
import config, { TERSER_OPTIONS } from '../rollup.config.mjs'

const floorMode = process.argv.includes('--floor')
// The floor's stand-ins fit the lite bundle's modules only.
const which = process.argv[2] === 'tag' && !floorMode ? 'tag-runtime.js' : process.argv[2] === 'full' && !floorMode ? 'popin-bridge.min.js' : 'popin-bridge.lite.min.js'
const options = config.find((entry) => [entry.output].flat().some((output) => output?.file?.endsWith(which)))

/** Bundles the drop-in with some modules' source replaced; returns the rollup output chunk. */
async function bundle(replacements = {}) {
  const replace = {
    name: 'replace-modules',
    transform(_code, id) {
      const key = Object.keys(replacements).find((suffix) => id.endsWith(suffix))
      return key === undefined ? null : replacements[key]
    },
  }
  const build = await rollup({ ...options, plugins: [replace, ...options.plugins], onwarn: () => undefined })
  const { output } = await build.generate({ ...[options.output].flat()[0], plugins: [] })
  return output[0]
}

async function byModule() {
  const chunk = await bundle()
  const grouped = new Map()
  for (const [id, module] of Object.entries(chunk.modules)) {
    if (!module.code) continue
    const { code } = await minify(module.code, { ecma: 2020, module: true, compress: false, mangle: false })
    const group = id.includes('node_modules') ? id.split('node_modules/')[1].split('/').slice(0, id.includes('@') ? 2 : 1).join('/') : id.replace(`${process.cwd()}/`, '')
    grouped.set(group, (grouped.get(group) ?? 0) + gzipSync(code ?? '').length)
  }
  const total = [...grouped.values()].reduce((a, b) => a + b, 0)
  console.log(`${which}: gzip of each module alone (unmangled), ${(total / 1024).toFixed(1)} KB in all`)
  for (const [group, bytes] of [...grouped].sort((a, b) => b[1] - a[1]).slice(0, 30)) {
    console.log(`${String(bytes).padStart(6)} B  ${((bytes / total) * 100).toFixed(1).padStart(5)} %  ${group}`)
  }
}

// Stand-ins with the same exports and no behaviour. If a module's exports change, rollup fails
// here loudly ("is not exported"), so the figures never silently measure something else.
const NO_VALIDATION = {
  // The page's shape check, and the settings and presets it and \`resolve\` read.
  'src/config/page-check.ts': "export const SEE_VALIDATE = '', pageProblems = () => []",
}
const NO_CONSENT_FOLLOWING_OR_HASHING = {
  'src/consent/follow-tcf.ts': 'export const followTcf = () => () => {}, tcfDecision = () => undefined',
  'src/consent/follow-google.ts': 'export const followGoogleConsent = () => () => {}',
  'src/lib/deferred-hash.ts': 'export const deferredHash = () => ({ hash: (text) => text, take: () => false }), settleHashes = async (value) => value',
  'src/privacy/contact.ts': 'export const contactOf = () => ({})',
  'src/privacy/match-keys.ts': 'export const normalizeContact = () => ({}), matchKeys = () => ({})',
}
const NO_DESTINATIONS = { 'adapters/index.ts': 'export const pageAdapters = []' }

async function floor() {
  const variants = [
    ['as built', {}],
    ['without the config check', NO_VALIDATION],
    ['... and without consent following and hashing', { ...NO_VALIDATION, ...NO_CONSENT_FOLLOWING_OR_HASHING }],
    ['... and without any destination (the runtime alone)', { ...NO_VALIDATION, ...NO_CONSENT_FOLLOWING_OR_HASHING, ...NO_DESTINATIONS }],
  ]
  console.log(`| ${which} | min | min+gzip |\n|---|---|---|`)
  for (const [label, replacements] of variants) {
    const { code } = await minify((await bundle(replacements)).code, TERSER_OPTIONS)
    console.log(`| ${label} | ${code.length} B | ${gzipSync(code, { level: 9 }).length} B |`)
  }
}

if (floorMode) await floor()
else await byModule()
