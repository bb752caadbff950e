// node bench/size-breakdown.mjs [lite|full]: where the drop-in's bytes go, by source module.
// Each module's rendered code is minified and gzipped on its own: the figures overstate a little
// (gzip shares nothing across modules) but rank the modules faithfully.
import { gzipSync } from 'node:zlib'
import { minify } from 'terser'
import { rollup } from 'rollup'
import config from '../rollup.config.mjs'

const which = process.argv[2] === 'full' ? 'popin-bridge.min.js' : 'popin-bridge.lite.min.js'
const options = config.find((entry) => entry.output?.file?.endsWith(which))
const bundle = await rollup({ ...options, onwarn: () => undefined })
const { output } = await bundle.generate({ ...options.output, plugins: [] })
const rows = []
for (const [id, module] of Object.entries(output[0].modules)) {
  if (!module.code) continue
  const { code } = await minify(module.code, { ecma: 2020, module: true, compress: false, mangle: false })
  const group = id.includes('node_modules') ? id.split('node_modules/')[1].split('/').slice(0, id.includes('@') ? 2 : 1).join('/') : id.replace(`${process.cwd()}/`, '')
  rows.push([group, gzipSync(code ?? '').length])
}
const grouped = new Map()
for (const [group, bytes] of rows) grouped.set(group, (grouped.get(group) ?? 0) + bytes)
const total = [...grouped.values()].reduce((a, b) => a + b, 0)
console.log(`${which}: gzip of each module alone (unmangled), ${(total / 1024).toFixed(1)} KB in all`)
for (const [group, bytes] of [...grouped].sort((a, b) => b[1] - a[1]).slice(0, 30)) {
  console.log(`${String(bytes).padStart(6)} B  ${((bytes / total) * 100).toFixed(1).padStart(5)} %  ${group}`)
}
