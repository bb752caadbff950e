// npm run bench [-- --quick]: popin-bridge side by side with the peers and a hand-written floor,
// each sending the same Popin session to Facebook Pixel, GA4 and Segment (vendor functions
// stubbed as counters). Size, start-up and per-event cost in happy-dom and in Chromium at a real
// http origin, heap growth; medians over interleaved runs in one process, with min and max, and
// each subject's ratio to the floor. Every run checks that each subject made the vendor calls it
// is timed for; a subject that did not is an error row, not a figure. Writes bench/results.json.
import { existsSync, writeFileSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { createServer } from 'node:http'
import { cpus, totalmem } from 'node:os'
import { brotliCompressSync, gzipSync } from 'node:zlib'
import { Window } from 'happy-dom'
import { buildPeers, FLOOR } from './build-peers.mjs'

const quick = process.argv.includes('--quick')
const RUNS = quick ? 3 : 7
const SESSIONS = quick ? 100 : 1000
const dist = (file) => readFile(new URL(`../dist/${file}`, import.meta.url), 'utf8')

const bundles = {
  'popin-bridge lite': await dist('popin-bridge.lite.min.js'),
  'popin-bridge full': await dist('popin-bridge.min.js'),
  ...(await buildPeers()),
}
const names = Object.keys(bundles)
const BRIDGE_CONFIG = { destinations: { dataLayer: { enabled: false } } }

/** A realistic widget session, repeated: nudges, screens, a call, a rating, a lead, a booking. */
const SESSION = [
  ['nudge_show', { uid: 'u-1' }],
  ['nudge_open', { uid: 'u-1' }],
  ['popin_screen', { uid: 'u-1', screen: 'SCREEN_CONNECT_OR_SCHEDULE' }],
  ['popin_permission_given', { uid: 'u-1', audio: true, video: true }],
  ['popin_screen', { uid: 'u-1', screen: 'SCREEN_VIDEO_CALL' }],
  ['popin_call_end', { uid: 'u-1', callId: 'call-77', invited: false }],
  ['popin_rating_done', { uid: 'u-1', rating: 5, comment: 'great' }],
  ['popin_captured', { uid: 'u-1', name: 'Ada', email: 'ada@example.com', country: 'GB', group: 'sofas' }],
  ['popin_schedule_created', { uid: 'u-1', timezone: 'Europe/London', time: '15:30' }],
  ['nudge_close', { uid: 'u-1' }],
]
const EVENTS = SESSION.length * SESSIONS

/** V8 reuses compiled code for a source it has seen: each evaluation gets a source of its own. */
let evaluations = 0
const fresh = (source) => `${source}\n// popin-bench ${process.pid} ${evaluations++} ${Math.random()}`

/**
 * What runs in the page (happy-dom or Chromium) to measure one subject: vendor stubs counting
 * calls per vendor; `setup` evaluates the subject (start-up) and plays two warm-up sessions (the
 * second tells the calls one session makes, set-up calls aside); `batch` plays SESSIONS sessions
 * and waits until the subject is done. The caller times `batch` by main-thread work: CPU time in
 * happy-dom, Chromium's own task duration there, so idle waits count for nothing.
 */
function installBench() {
  const w = window
  const seen = { fbq: 0, gtag: 0, analytics: 0, fetch: 0 }
  const record = (vendor) => () => void seen[vendor]++
  w.fbq = record('fbq')
  w.gtag = record('gtag')
  const segment = record('analytics')
  w.analytics = { initialized: true, initialize() {}, track: segment, identify: segment, page: segment, user: () => ({ anonymousId: () => 'a' }) }
  const fetched = record('fetch')
  w.fetch = () => (fetched(), Promise.resolve(new Response('{}')))
  const snapshot = () => ({ ...seen })
  const total = () => seen.fbq + seen.gtag + seen.analytics + seen.fetch
  const since = (before) => Object.fromEntries(Object.keys(seen).map((k) => [k, seen[k] - before[k]]))
  // Done: five turns of the event loop in a row with no vendor call.
  const settle = async () => {
    let calls = -1
    for (let quiet = 0; quiet < 5; ) {
      await new Promise((resolve) => setTimeout(resolve, 0))
      quiet = total() === calls ? quiet + 1 : 0
      calls = total()
    }
  }
  let args
  const play = (sessions) => {
    for (let s = 0; s < sessions; s++) for (const [event, data] of args.session) w.popinEvent(event, { ...data })
  }
  w.__bench = {
    async setup(given) {
      args = given
      w.popinBridgeConfig = args.config
      const started = performance.now()
      ;(0, eval)(args.source)
      const startup = performance.now() - started
      play(1)
      await settle()
      const before = snapshot()
      play(1)
      await settle()
      return { startup, perSession: since(before) }
    },
    async batch() {
      const before = snapshot()
      play(args.sessions)
      await settle()
      return since(before)
    },
  }
}

/** Whether a run did the work it is timed for: as many calls per vendor as the warm-up session, every session. */
function checkWork(name, result, floorPerSession) {
  const problems = []
  const perSession = result.perSession
  if (Object.values(perSession).every((n) => n === 0)) problems.push('made no vendor call at all')
  for (const [label, batch] of [['cold', result.cold], ['warm', result.warm]]) {
    for (const vendor of Object.keys(perSession)) {
      const expected = perSession[vendor] * SESSIONS
      if (batch.calls[vendor] !== expected) problems.push(`${label}: ${vendor} got ${batch.calls[vendor]} calls, expected ${expected}`)
    }
  }
  // popin-bridge makes the floor's calls, exactly: the same work, or the comparison is void.
  if (name.startsWith('popin-bridge') && floorPerSession && JSON.stringify(perSession) !== JSON.stringify(floorPerSession)) {
    problems.push(`calls per session ${JSON.stringify(perSession)}, the floor makes ${JSON.stringify(floorPerSession)}`)
  }
  return problems
}

const ARGS = (source) => ({ source, config: BRIDGE_CONFIG, session: SESSION, sessions: SESSIONS })
const cpuMs = () => {
  const { user, system } = process.cpuUsage()
  return (user + system) / 1000
}

/** One subject in a fresh happy-dom page, timed by the process's CPU time. */
async function inHappyDom(source) {
  const win = new Window({
    url: 'https://shop.example/product/42',
    settings: { enableJavaScriptEvaluation: true, suppressInsecureJavaScriptEnvironmentWarning: true, disableJavaScriptFileLoading: true, handleDisabledFileLoadingAsSuccess: true },
  })
  win.document.write('<!doctype html><html><head><title>Shop</title></head><body></body></html>')
  // The previous subject's garbage must not be collected on this one's clock.
  globalThis.gc?.()
  const heapBefore = process.memoryUsage().heapUsed
  // Compiled in the page, so that `window`, timers and `performance` are the page's own.
  win.eval(`(${installBench})()`)
  const { startup, perSession } = await win.__bench.setup(ARGS(source))
  const timed = async () => {
    const t0 = cpuMs()
    const calls = await win.__bench.batch()
    return { ms: cpuMs() - t0, calls }
  }
  const cold = await timed()
  const warm = await timed()
  globalThis.gc?.()
  const heapGrowth = process.memoryUsage().heapUsed - heapBefore
  await win.happyDOM.abort()
  await win.happyDOM.close()
  return { startup, perSession, cold, warm, heapGrowth }
}

/** A shop page served from 127.0.0.1: a real http origin, where storage and cookies work. */
async function shopServer() {
  const server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><html><head><title>Shop</title></head><body><p>shop</p></body></html>'))
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { url: `http://127.0.0.1:${server.address().port}/product/42`, close: () => new Promise((resolve) => server.close(resolve)) }
}

async function chromiumRunner() {
  const path = '/usr/bin/chromium'
  if (!existsSync(path)) return undefined
  const { chromium } = await import('playwright-core')
  const browser = await chromium.launch({ executablePath: path, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'] })
  const shop = await shopServer()
  return {
    async run(source) {
      const page = await browser.newPage()
      await page.route(/^https?:\/\/(?!127\.0\.0\.1)/, (route) => route.abort())
      await page.goto(shop.url)
      // Chromium's own count of main-thread task time, in seconds.
      const cdp = await page.context().newCDPSession(page)
      await cdp.send('Performance.enable')
      const taskMs = async () => (await cdp.send('Performance.getMetrics')).metrics.find((m) => m.name === 'TaskDuration').value * 1000
      await page.evaluate(`(${installBench})()`)
      const { startup, perSession } = await page.evaluate((args) => window.__bench.setup(args), ARGS(source))
      const timed = async () => {
        const t0 = await taskMs()
        const calls = await page.evaluate(() => window.__bench.batch())
        return { ms: (await taskMs()) - t0, calls }
      }
      const cold = await timed()
      const warm = await timed()
      await cdp.detach()
      await page.close()
      return { startup, perSession, cold, warm }
    },
    async close() {
      await browser.close()
      await shop.close()
    },
  }
}

const stats = (values) => {
  const sorted = [...values].sort((a, b) => a - b)
  return { median: sorted[Math.floor(sorted.length / 2)], min: sorted[0], max: sorted[sorted.length - 1] }
}

// Interleaved: run r measures every subject before run r + 1 starts, so drift hits all alike.
const chromium = await chromiumRunner()
const environments = { 'happy-dom': inHappyDom, ...(chromium ? { Chromium: (source) => chromium.run(source) } : {}) }
const raw = {}
for (const env of Object.keys(environments)) raw[env] = Object.fromEntries(names.map((name) => [name, { startup: [], cold: [], warm: [], heap: [], errors: [] }]))
for (let run = 0; run < RUNS; run++) {
  for (const [env, measure] of Object.entries(environments)) {
    const floorRun = await measure(fresh(bundles[FLOOR]))
    for (const name of names) {
      const result = name === FLOOR ? floorRun : await measure(fresh(bundles[name]))
      const r = raw[env][name]
      const problems = checkWork(name, result, floorRun.perSession)
      if (problems.length) r.errors.push(`run ${run + 1}: ${problems.join('; ')}`)
      r.startup.push(result.startup)
      r.cold.push((result.cold.ms * 1e6) / EVENTS)
      r.warm.push((result.warm.ms * 1e6) / EVENTS)
      if (result.heapGrowth !== undefined) r.heap.push(result.heapGrowth)
    }
  }
}
await chromium?.close()

const results = {}
for (const name of names) {
  const code = bundles[name]
  results[name] = { gzipBytes: gzipSync(code, { level: 9 }).length, brotliBytes: brotliCompressSync(code).length }
  for (const env of Object.keys(environments)) {
    const r = raw[env][name]
    results[name][env] = r.errors.length
      ? { errors: r.errors }
      : { startupMs: stats(r.startup), nsPerEvent: stats(r.cold), nsPerEventWarm: stats(r.warm), ...(r.heap.length ? { heapGrowthBytes: stats(r.heap) } : {}) }
  }
}

const kb = (bytes) => (bytes / 1024).toFixed(1)
const ms = ({ median, min, max }) => `${median.toFixed(2)} (${min.toFixed(2)}–${max.toFixed(2)})`
const ns = ({ median, min, max }) => `${Math.round(median)} (${Math.round(min)}–${Math.round(max)})`
const envs = Object.keys(environments)
const header = ['', 'min+gzip KB', 'brotli KB', ...envs.flatMap((env) => [`start-up ms, ${env}`, `ns/event, ${env}`, `warm`]), 'heap growth KB']
const rows = names.map((name) => {
  const r = results[name]
  const cells = envs.flatMap((env) => (r[env].errors ? ['error', 'error', 'error'] : [ms(r[env].startupMs), ns(r[env].nsPerEvent), ns(r[env].nsPerEventWarm)]))
  const heap = r['happy-dom'].heapGrowthBytes
  return [name, kb(r.gzipBytes), kb(r.brotliBytes), ...cells, heap ? kb(heap.median) : 'error']
})
const widths = header.map((_, i) => Math.max(...[header, ...rows].map((row) => String(row[i]).length)))
for (const row of [header, ...rows]) console.log(row.map((cell, i) => String(cell).padEnd(widths[i])).join('  '))
console.log('')
for (const name of names) for (const env of envs) for (const error of results[name][env].errors ?? []) console.log(`error: ${name} in ${env}: ${error}`)

// Every subject against the floor: what the same vendor calls cost without popin-bridge.
const floor = results[FLOOR]
const ratio = (a, b) => (a === undefined || b === undefined ? 'error' : `${(a / b).toFixed(2)}×`)
for (const name of names.filter((n) => n !== FLOOR)) {
  const parts = [`size ${ratio(results[name].gzipBytes, floor.gzipBytes)}`]
  for (const env of envs) {
    const ours = results[name][env]
    const base = floor[env]
    parts.push(`${env} start-up ${ratio(ours.startupMs?.median, base.startupMs?.median)}, per event ${ratio(ours.nsPerEvent?.median, base.nsPerEvent?.median)}, warm ${ratio(ours.nsPerEventWarm?.median, base.nsPerEventWarm?.median)}`)
  }
  console.log(`${name} / floor: ${parts.join('; ')}`)
}
const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`
console.log(`median (min–max) of ${RUNS} interleaved runs, ${EVENTS} events a batch; ${machine}${quick ? '; quick mode' : ''}${globalThis.gc ? '' : '; no --expose-gc: heap figures are rough'}`)
writeFileSync(new URL('./results.json', import.meta.url), `${JSON.stringify({ date: new Date().toISOString(), machine, runs: RUNS, events: EVENTS, quick, results }, null, 2)}\n`)
