// The package's types as one file per entry point (`npm run build`, after tsc): tsc's declarations
// import each other without file extensions, which TypeScript refuses under `moduleResolution:
// NodeNext`; one bundled file imports nothing relative. The `.d.cts` copy types `require`.
import { copyFileSync, rmSync } from 'node:fs'
import { rollup } from 'rollup'
import { dts } from 'rollup-plugin-dts'

const DECLARATIONS = 'dist/types'
const ENTRIES = ['index', 'core']

for (const entry of ENTRIES) {
  const bundle = await rollup({ input: `${DECLARATIONS}/src/${entry}.d.ts`, plugins: [dts()] })
  await bundle.write({ file: `dist/${entry}.d.ts`, format: 'es' })
  await bundle.close()
  copyFileSync(`dist/${entry}.d.ts`, `dist/${entry}.d.cts`)
}
rmSync(DECLARATIONS, { recursive: true, force: true })
