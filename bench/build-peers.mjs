// Builds the peers exactly as the drop-ins are built (same rollup, esbuild and terser settings,
// analytics-next slimmed the same way as in popin-bridge's full bundle).
import { rollup } from 'rollup'
import { dropIn } from '../rollup.config.mjs'

export const FLOOR = 'hand-written forwarder (floor)'

export const PEERS = {
  [FLOOR]: 'bench/peers/floor.js',
  'analytics (DavidWells) + glue': 'bench/peers/analytics-glue.js',
  '@segment/analytics-next + glue': 'bench/peers/analytics-next-glue.js',
}

/** Returns each peer's minified IIFE source. */
export async function buildPeers() {
  const out = {}
  for (const [name, input] of Object.entries(PEERS)) {
    const options = dropIn(input, 'peer.js')
    const bundle = await rollup({ ...options, onwarn: () => undefined })
    const { output } = await bundle.generate(options.output)
    out[name] = output[0].code
    await bundle.close()
  }
  return out
}
