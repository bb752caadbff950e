import { dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { startDemoServer } from '../demo/server'
import { run } from './index'

// Bundled as dist/cli.js, so the bundles sit beside this file.
const distDir = dirname(fileURLToPath(import.meta.url))

run(process.argv.slice(2), {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  distDir,
  startDemo: async (options) => (await startDemoServer({ ...options, distDir })).url,
}).then(
  (code) => {
    process.exitCode = code
  },
  (error: Error) => {
    process.stderr.write(`popin-bridge: ${error.message}\n`)
    process.exitCode = 1
  },
)
