// npm run bench:relay [-- --quick]: webhooks per second and acknowledgement latency of the relay,
// at a fixed offered rate and at saturation, with durable storage and with storage in memory.
// Prints a table and writes bench/relay-results.json. Not a test: it judges nothing.
import { spawn } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import http from 'node:http'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'

const quick = process.argv.includes('--quick')
const SECONDS = quick ? 2 : 10
const RATE = 500
const CONCURRENCY = 32
const KEY = 'bench-key'
const root = new URL('..', import.meta.url).pathname

/** Meta, GA4 and Segment stand-ins that answer 200 at once. */
function startFakes() {
  const server = http.createServer((req, res) => {
    req.resume()
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'))
  })
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, origin: `http://127.0.0.1:${server.address().port}` })))
}

function startRelay(database, origin) {
  const dir = mkdtempSync(join(tmpdir(), 'popin-bench-'))
  const config = {
    destinations: { facebookPixel: { pixelId: '1234567890' }, ga4: { measurementId: 'G-BENCH123' } },
    relay: { port: 0, database: database === ':memory:' ? ':memory:' : join(dir, 'relay.db'), endpoints: { facebookPixel: `${origin}/meta`, ga4: `${origin}/ga4`, segment: `${origin}/segment` } },
  }
  writeFileSync(join(dir, 'bridge.json'), JSON.stringify(config))
  const env = { ...process.env, POPIN_BRIDGE_POPIN_API_KEY: KEY, POPIN_BRIDGE_META_ACCESS_TOKEN: 't', POPIN_BRIDGE_GA4_API_SECRET: 's', POPIN_BRIDGE_SEGMENT_WRITE_KEY: 'w' }
  const child = spawn(process.execPath, [join(root, 'dist/cli.js'), 'relay', '--config', join(dir, 'bridge.json')], { env, stdio: ['ignore', 'pipe', 'ignore'] })
  return new Promise((resolve) => {
    let out = ''
    child.stdout.on('data', (chunk) => {
      out += chunk
      const match = /Popin webhook URL (\S+)/.exec(out)
      if (match) resolve({ child, url: new URL(match[1]) })
    })
  })
}

const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY * 2 })
let sequence = 0

/** One webhook; resolves to its acknowledgement latency in ms, or null if not acknowledged. */
function post(url) {
  const body = JSON.stringify({ event: 'popin_call_rated', user_id: `bench-${sequence++}`, timestamp: new Date().toISOString(), properties: { rating: 5 } })
  const started = process.hrtime.bigint()
  return new Promise((resolve) => {
    const req = http.request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'x-api-key': KEY, 'content-length': Buffer.byteLength(body) } }, (res) => {
      res.resume()
      res.on('end', () => resolve(res.statusCode === 200 ? Number(process.hrtime.bigint() - started) / 1e6 : null))
    })
    req.on('error', () => resolve(null))
    req.end(body)
  })
}

async function fixedRate(url) {
  const latencies = []
  const pending = []
  const started = performance.now()
  for (let i = 0; i < RATE * SECONDS; i++) {
    const due = started + (i * 1000) / RATE
    const wait = due - performance.now()
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait))
    pending.push(post(url).then((ms) => ms !== null && latencies.push(ms)))
  }
  await Promise.all(pending)
  return summary(latencies, (performance.now() - started) / 1000)
}

async function saturation(url) {
  const latencies = []
  const started = performance.now()
  const end = started + SECONDS * 1000
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < end) {
        const ms = await post(url)
        if (ms !== null) latencies.push(ms)
      }
    }),
  )
  return summary(latencies, (performance.now() - started) / 1000)
}

function summary(latencies, seconds) {
  const sorted = [...latencies].sort((a, b) => a - b)
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN
  return { acknowledged: sorted.length, perSecond: Math.round(sorted.length / seconds), p50: +at(0.5).toFixed(2), p99: +at(0.99).toFixed(2) }
}

const fakes = await startFakes()
const results = {}
for (const storage of ['durable', ':memory:']) {
  const relay = await startRelay(storage === 'durable' ? 'file' : ':memory:', fakes.origin)
  const url = new URL('/webhooks/popin', relay.url)
  await saturation(url) // warm-up: JIT, SQLite pages, sockets
  results[storage === 'durable' ? 'durable' : 'memory'] = { fixedRate: await fixedRate(url), saturation: await saturation(url) }
  relay.child.kill('SIGTERM')
  await new Promise((resolve) => relay.child.on('exit', resolve))
}
agent.destroy()
fakes.server.close()

const rows = [
  ['', 'offered 500/s: acked/s', 'p50 ms', 'p99 ms', `saturation (${CONCURRENCY} in flight): acked/s`, 'p50 ms', 'p99 ms'],
  ...Object.entries(results).map(([name, r]) => [name === 'durable' ? 'SQLite file (WAL, fsync per commit)' : 'storage in memory', r.fixedRate.perSecond, r.fixedRate.p50, r.fixedRate.p99, r.saturation.perSecond, r.saturation.p50, r.saturation.p99]),
]
const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => String(row[i]).length)))
for (const row of rows) console.log(row.map((cell, i) => String(cell).padEnd(widths[i])).join('  '))
const ratio = results.durable.saturation.perSecond / results.memory.saturation.perSecond
console.log(`durable / in-memory throughput at saturation: ${ratio.toFixed(2)}  (${cpus().length} cores, ${cpus()[0]?.model ?? 'unknown CPU'}, ${SECONDS} s per run${quick ? ', quick mode' : ''})`)
writeFileSync(new URL('./relay-results.json', import.meta.url), `${JSON.stringify({ date: new Date().toISOString(), seconds: SECONDS, cores: cpus().length, results, ratio }, null, 2)}\n`)
