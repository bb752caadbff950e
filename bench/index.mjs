// npm run bench [-- --quick]: popin-bridge side by side with the peers, each sending the same Popin
// session to Facebook Pixel, GA4 and Segment (vendor functions stubbed as cheap recorders).
// Size, start-up (happy-dom, and Chromium when installed), per-event cost and heap growth; medians
// over interleaved runs in one process, with min and max. Prints a table, writes bench/results.json.
// Not a test: it judges nothing.
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { cpus, totalmem } from 'node:os'
import { brotliCompressSync, gzipSync } from 'node:zlib'
import { Window } from 'happy-dom'
import { buildPeers } from './build-peers.mjs'

const quick = process.argv.includes('--quick')
const RUNS = quick ? 3 : 7
const EVENTS = quick ? 1000 : 10_000
const dist = (file) => readFileSync(new URL(`../dist/${file}`, import.meta.url), 'utf8')

const bundles = {
  'popin-bridge lite': dist('popin-bridge.lite.min.js'),
  'popin-bridge full': dist('popin-bridge.min.js'),
  ...(await buildPeers()),
}
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

/** A page with the three vendors as counters (no call is retained, so heap growth is the library's). */
function page() {
  const win = new Window({
    url: 'https://shop.example/product/42',
    settings: { enableJavaScriptEvaluation: true, suppressInsecureJavaScriptEnvironmentWarning: true, disableJavaScriptFileLoading: true, handleDisabledFileLoadingAsSuccess: true },
  })
  win.document.write('<!doctype html><html><head><title>Shop</title></head><body></body></html>')
  const seen = { calls: 0, last: 0 }
  const record = () => {
    seen.calls++
    seen.last = performance.now()
  }
  win.fbq = record
  win.gtag = record
  win.analytics = { initialized: true, initialize() {}, track: record, identify: record, page: record, user: () => ({ anonymousId: () => 'a' }) }
  win.fetch = () => {
    record()
    return Promise.resolve(new win.Response('{}', { status: 200 }))
  }
  win.popinBridgeConfig = BRIDGE_CONFIG
  return { win, seen }
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 0))
/** Waits until the vendors stop receiving calls (async pipelines deliver after a few turns). */
async function settle(seen) {
  let calls = -1
  let quiet = 0
  while (quiet < 5) {
    await tick()
    quiet = seen.calls === calls ? quiet + 1 : 0
    calls = seen.calls
  }
}

async function startup(source) {
  const { win } = page()
  // The previous bundle's garbage must not be collected on this one's clock.
  globalThis.gc?.()
  const started = performance.now()
  win.eval(source)
  const ms = performance.now() - started
  if (typeof win.popinEvent !== 'function') throw new Error('bundle did not define window.popinEvent')
  await win.happyDOM.abort()
  win.close()
  return ms
}

async function perEvent(source) {
  const { win, seen } = page()
  win.eval(source)
  for (const [name, data] of SESSION) win.popinEvent(name, data)
  await settle(seen)
  if (seen.calls === 0) throw new Error('no vendor received the warm-up session')
  globalThis.gc?.()
  const heapBefore = process.memoryUsage().heapUsed
  const callsBefore = seen.calls
  const started = performance.now()
  for (let i = 0; i < EVENTS; i++) {
    const [name, data] = SESSION[i % SESSION.length]
    win.popinEvent(name, { ...data })
  }
  const syncDone = performance.now()
  await settle(seen)
  const finished = Math.max(seen.last, syncDone)
  globalThis.gc?.()
  const heapGrowth = process.memoryUsage().heapUsed - heapBefore
  await win.happyDOM.abort()
  win.close()
  return { nsPerEvent: ((finished - started) * 1e6) / EVENTS, heapGrowth, vendorCalls: seen.calls - callsBefore }
}

/** Start-up and per-event cost in Chromium, the same measures in a real engine. */
async function inChromium(names) {
  const path = '/usr/bin/chromium'
  if (!existsSync(path)) return undefined
  const { chromium } = await import('playwright-core')
  const browser = await chromium.launch({ executablePath: path, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'] })
  const results = Object.fromEntries(names.map((name) => [name, { startup: [], ns: [], nsWarm: [] }]))
  for (let run = 0; run < RUNS; run++) {
    for (const name of names) {
      const page = await browser.newPage()
      await page.route('**/*', (route) => route.fulfill({ status: 200, body: '' }))
      await page.setContent('<!doctype html><html><head><title>Shop</title></head><body></body></html>')
      const measured = await page.evaluate(
        async ({ source, config, session, events }) => {
          const w = window
          const seen = { calls: 0, last: 0 }
          const record = () => {
            seen.calls++
            seen.last = performance.now()
          }
          w.fbq = w.gtag = record
          w.analytics = { initialized: true, initialize() {}, track: record, identify: record, page: record, user: () => ({ anonymousId: () => 'a' }) }
          w.fetch = () => (record(), Promise.resolve(new Response('{}')))
          w.popinBridgeConfig = config
          const started = performance.now()
          ;(0, eval)(source)
          const startup = performance.now() - started
          const settle = async () => {
            let calls = -1
            for (let quiet = 0; quiet < 5; ) {
              await new Promise((resolve) => setTimeout(resolve, 0))
              quiet = seen.calls === calls ? quiet + 1 : 0
              calls = seen.calls
            }
          }
          for (const [event, data] of session) w.popinEvent(event, data)
          await settle()
          const batch = async () => {
            const t0 = performance.now()
            for (let i = 0; i < events; i++) {
              const [event, data] = session[i % session.length]
              w.popinEvent(event, { ...data })
            }
            const syncDone = performance.now()
            await settle()
            return ((Math.max(seen.last, syncDone) - t0) * 1e6) / events
          }
          // Cold: the first batch, JIT still warming up. Warm: the same batch again.
          const ns = await batch()
          return { startup, ns, nsWarm: await batch() }
        },
        { source: bundles[name], config: BRIDGE_CONFIG, session: SESSION, events: EVENTS },
      )
      results[name].startup.push(measured.startup)
      results[name].ns.push(measured.ns)
      results[name].nsWarm.push(measured.nsWarm)
      await page.close()
    }
  }
  await browser.close()
  return results
}

const stats = (values) => {
  const sorted = [...values].sort((a, b) => a - b)
  return { median: sorted[Math.floor(sorted.length / 2)], min: sorted[0], max: sorted[sorted.length - 1] }
}

// Interleaved: run r measures every bundle before run r + 1 starts, so drift hits all alike.
const names = Object.keys(bundles)
const raw = Object.fromEntries(names.map((name) => [name, { startup: [], ns: [], heap: [] }]))
for (let run = 0; run < RUNS; run++) {
  for (const name of names) {
    raw[name].startup.push(await startup(bundles[name]))
    const cost = await perEvent(bundles[name])
    raw[name].ns.push(cost.nsPerEvent)
    raw[name].heap.push(cost.heapGrowth)
  }
}
const chromium = await inChromium(names)

const results = {}
for (const name of names) {
  const code = bundles[name]
  results[name] = {
    gzipBytes: gzipSync(code, { level: 9 }).length,
    brotliBytes: brotliCompressSync(code).length,
    startupMsHappyDom: stats(raw[name].startup),
    ...(chromium
      ? { startupMsChromium: stats(chromium[name].startup), nsPerEventChromium: stats(chromium[name].ns), nsPerEventChromiumWarm: stats(chromium[name].nsWarm) }
      : {}),
    nsPerEvent: stats(raw[name].ns),
    heapGrowthBytes: stats(raw[name].heap),
  }
}

const kb = (bytes) => (bytes / 1024).toFixed(1)
const ms = ({ median, min, max }) => `${median.toFixed(2)} (${min.toFixed(2)}–${max.toFixed(2)})`
const header = ['', 'min+gzip KB', 'brotli KB', 'start-up ms: happy-dom', ...(chromium ? ['Chromium'] : []), `ns/event (${EVENTS} events): happy-dom`, ...(chromium ? ['Chromium', 'Chromium warm'] : []), 'heap growth KB']
const ns = ({ median, min, max }) => `${Math.round(median)} (${Math.round(min)}–${Math.round(max)})`
const rows = names.map((name) => {
  const r = results[name]
  return [
    name,
    kb(r.gzipBytes),
    kb(r.brotliBytes),
    ms(r.startupMsHappyDom),
    ...(chromium ? [ms(r.startupMsChromium)] : []),
    ns(r.nsPerEvent),
    ...(chromium ? [ns(r.nsPerEventChromium), ns(r.nsPerEventChromiumWarm)] : []),
    kb(r.heapGrowthBytes.median),
  ]
})
const widths = header.map((_, i) => Math.max(...[header, ...rows].map((row) => String(row[i]).length)))
for (const row of [header, ...rows]) console.log(row.map((cell, i) => String(cell).padEnd(widths[i])).join('  '))
console.log('')
const peers = names.filter((name) => !name.startsWith('popin-bridge'))
for (const [where, key] of [['happy-dom', 'nsPerEvent'], ...(chromium ? [['Chromium', 'nsPerEventChromium'], ['Chromium, warm', 'nsPerEventChromiumWarm']] : [])]) {
  for (const ours of ['popin-bridge lite', 'popin-bridge full']) {
    const ratios = peers.map((peer) => `${(results[ours][key].median / results[peer][key].median).toFixed(3)}× ${peer}`)
    console.log(`per-event cost in ${where}, ${ours} / peer: ${ratios.join(', ')}`)
  }
}
// The lite budget is the smallest peer's size (README, "The lite budget"): say where it stands.
const smallest = peers.reduce((a, b) => (results[a].gzipBytes <= results[b].gzipBytes ? a : b))
console.log(`size, popin-bridge lite / smallest peer (${smallest}): ${(results['popin-bridge lite'].gzipBytes / results[smallest].gzipBytes).toFixed(3)}×`)
const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`
console.log(`median (min–max) of ${RUNS} interleaved runs; ${machine}${quick ? '; quick mode' : ''}${globalThis.gc ? '' : '; no --expose-gc: heap figures are rough'}`)
writeFileSync(new URL('./results.json', import.meta.url), `${JSON.stringify({ date: new Date().toISOString(), machine, runs: RUNS, events: EVENTS, quick, results }, null, 2)}\n`)
