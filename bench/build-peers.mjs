// Builds a peer exactly as the drop-ins are built (same rollup, esbuild and terser settings,
// analytics-next slimmed the same way as in popin-bridge's full bundle).
import { rollup } from 'rollup'
import { dropIn } from '../rollup.config.mjs'

/** The minified IIFE source of the script at `input`. */
export async function bundle(input) {
  const options = dropIn(input, 'peer.js')
  const build = await rollup({ ...options, onwarn: () => undefined })
  try {
    const { output } = await build.generate(options.output)
    return output[0].code
  } finally {
    await build.close()
  }
}
