import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { startDemoServer } from '../demo/server'
import { createLogger } from '../lib/logger'
import { forgetVisitor, replayDeadLetters, startRelay } from '../relay/relay'
import { run } from './index'

// Bundled as dist/cli.js, so the bundles sit beside this file.
const distDir = dirname(fileURLToPath(import.meta.url))

// `popin-bridge schema | head` closes the pipe early: that is the reader's choice, not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0)
  throw error
})

run(process.argv.slice(2), {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  distDir,
  startDemo: async (options) => (await startDemoServer({ ...options, distDir })).url,
  async startRelay(config, overrides) {
    const relay = await startRelay(config, { overrides, log: createLogger(console, false), channelScript: join(distDir, 'popin-bridge.relay.min.js') })
    let stopping = false
    const stop = async (signal: string) => {
      if (stopping) return
      stopping = true
      process.stderr.write(`popin-bridge relay: ${signal}, finishing deliveries in flight\n`)
      await relay.close()
      process.exit(0)
    }
    process.on('SIGTERM', () => void stop('SIGTERM'))
    process.on('SIGINT', () => void stop('SIGINT'))
    return relay.url
  },
  replayDeadLetters,
  forgetVisitor,
}).then(
  (code) => {
    process.exitCode = code
  },
  (error: Error) => {
    process.stderr.write(`popin-bridge: ${error.message}\n`)
    process.exitCode = 1
  },
)
