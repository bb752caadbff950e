// npm run bench [-- --quick]: popin-bridge side by side with the peers and a hand-written floor,
// each sending the same Popin session to Facebook Pixel, GA4, Segment and the GTM dataLayer (the
// page's globals, stubbed as counters); the subjects are listed in bench/subjects.mjs. Size,
// start-up and per-event cost in plain Node (happy-dom) and in Chromium at a real http origin,
// heap retained; medians over interleaved runs in one process, with min and max, and each
// subject's ratio to the floor. Every batch checks that each subject made exactly its expected
// vendor calls; a subject that did not is an error row, not a figure, and the run exits 1. Writes
// bench/results.json (not in quick mode, which only checks that the benchmark still runs).
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import { cpus, totalmem } from 'node:os'
import { gzipSync } from 'node:zlib'
import { Window } from 'happy-dom'
import { callProblems } from './check-calls.mjs'
import { installBench } from './in-page.mjs'
import { CONFIG, SESSION } from './session.mjs'
import { compiledTagSubject, FLOOR, SUBJECTS, withSources } from './subjects.mjs'

const quick = process.argv.includes('--quick')
const RUNS = quick ? 1 : 7
/** A timed batch grows (×4) from FIRST_SESSIONS until it takes BATCH_MS of work: the harness's own cost (about 1 ms) vanishes in it. */
const BATCH_MS = quick ? 5 : 200
const FIRST_SESSIONS = quick ? 2 : 10
const MAX_SESSIONS = 100_000

const compiled = await compiledTagSubject()
const subjects = await withSources(compiled.skipped ? SUBJECTS : [...SUBJECTS, compiled])

/** V8 reuses compiled code for a source it has seen: each evaluation gets a source of its own. */
let evaluations = 0
const fresh = (source) => `${source}\n// popin-bench ${process.pid} ${evaluations++} ${Math.random()}`

/** CPU time of the main thread, the page's in happy-dom, in ms (Linux counts it per thread; elsewhere, the process's). */
const cpuMs = existsSync('/proc/thread-self/schedstat')
  ? () => Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[0]) / 1e6
  : () => {
      const { user, system } = process.cpuUsage()
      return (user + system) / 1000
    }

/** A fresh happy-dom page; work is timed by the main thread's CPU time, so idle waits count for nothing. */
async function happyDomPage() {
  const win = new Window({
    url: 'https://shop.example/product/42',
    settings: { enableJavaScriptEvaluation: true, suppressInsecureJavaScriptEnvironmentWarning: true, disableJavaScriptFileLoading: true, handleDisabledFileLoadingAsSuccess: true },
  })
  win.document.write('<!doctype html><html><head><title>Shop</title></head><body></body></html>')
  // Compiled in the page, so that `window`, timers and `performance` are the page's own.
  win.eval(`(${installBench})()`)
  return {
    start: (args) => win.__bench.start(args),
    async play(sessions) {
      const started = cpuMs()
      const calls = await win.__bench.play(sessions)
      return { ms: cpuMs() - started, calls }
    },
    async close() {
      await win.happyDOM.abort()
      await win.happyDOM.close()
    },
  }
}

/**
 * A shop page served from 127.0.0.1: a real http origin, where storage and cookies work, and
 * cross-origin isolated, so that the page's `performance.now()` is precise to 5 µs, not 100 µs.
 */
async function shopServer() {
  const headers = { 'content-type': 'text/html', 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' }
  // Scripts served once each, as a shop serves a tag: `/script/<n>.js`.
  const scripts = new Map()
  const server = createServer((req, res) => {
    const script = scripts.get(req.url)
    if (script === undefined) return res.writeHead(200, headers).end('<!doctype html><html><head><title>Shop</title></head><body><p>shop</p></body></html>')
    scripts.delete(req.url)
    res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8', 'cross-origin-resource-policy': 'same-origin' }).end(script)
  })
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${server.address().port}/product/42`,
    /** Serves `source` at a path of its own; returns the path. */
    serve(source) {
      const path = `/script/${scripts.size}-${Math.random().toString(36).slice(2)}.js`
      scripts.set(path, source)
      return path
    },
    close: () => new Promise((resolve) => server.close(resolve)),
  }
}

/** Chromium, when installed; work is timed by its own count of main-thread task time. */
async function chromium() {
  const executablePath = '/usr/bin/chromium'
  if (!existsSync(executablePath)) return undefined
  const { chromium } = await import('playwright-core')
  const browser = await chromium.launch({ executablePath, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'] })
  const shop = await shopServer()
  return {
    version: `Chromium ${browser.version()}`,
    /** Its pages can load a subject by `<script src>` too (`load`). */
    scriptTags: true,
    async open() {
      const page = await browser.newPage()
      await page.route(/^https?:\/\/(?!127\.0\.0\.1)/, (route) => route.abort())
      await page.goto(shop.url)
      if (!(await page.evaluate(() => crossOriginIsolated))) throw new Error('the shop page is not cross-origin isolated')
      const cdp = await page.context().newCDPSession(page)
      await cdp.send('Performance.enable')
      const taskMs = async () => (await cdp.send('Performance.getMetrics')).metrics.find((m) => m.name === 'TaskDuration').value * 1000
      await page.evaluate(`(${installBench})()`)
      return {
        start: (args) => page.evaluate((given) => window.__bench.start(given), args),
        /**
         * Start-up as a shop page loads a tag, by `<script src>`: the main thread's script time
         * (Chromium's count) from the insertion to the load event, and a turn after it; what V8
         * compiles on a background thread while the script streams is not on it.
         */
        async load(args) {
          const { source, ...rest } = args
          await page.evaluate((given) => window.__bench.prepare(given), rest)
          const scriptMs = async () => (await cdp.send('Performance.getMetrics')).metrics.find((m) => m.name === 'ScriptDuration').value * 1000
          const before = await scriptMs()
          await page.evaluate(
            (src) =>
              new Promise((resolve, reject) => {
                const script = document.createElement('script')
                script.src = src
                script.onload = () => setTimeout(resolve, 0)
                script.onerror = () => reject(new Error(`${src} did not load`))
                document.head.append(script)
              }),
            shop.serve(source),
          )
          return (await scriptMs()) - before
        },
        async play(sessions) {
          const started = await taskMs()
          const calls = await page.evaluate((n) => window.__bench.play(n), sessions)
          return { ms: (await taskMs()) - started, calls }
        },
        async close() {
          await cdp.detach()
          await page.close()
        },
      }
    },
    async close() {
      await browser.close()
      await shop.close()
    },
  }
}

const startArgs = (subject) => ({ source: fresh(subject.source), config: CONFIG, session: SESSION, calls: subject.calls })

/**
 * One subject in a fresh page: start-up, then batches growing until one takes BATCH_MS of work
 * (the smaller ones warm the JIT up); the last one gives the per-event cost. Every batch's calls
 * are checked.
 */
async function measure(env, subject) {
  // The previous subject's garbage (its happy-dom page, the driver's messages) must not be
  // collected on this one's clock.
  globalThis.gc?.()
  const page = await env.open()
  const problems = []
  const play = async (sessions) => {
    const batch = await page.play(sessions)
    for (const problem of callProblems(batch.calls, subject.calls, sessions)) problems.push(`${sessions} sessions: ${problem}`)
    return batch
  }
  try {
    const startupMs = await page.start(startArgs(subject))
    // The first session may come with set-up calls (a gtag config, say): not checked.
    await page.play(1)
    let sessions = FIRST_SESSIONS
    let batch = await play(sessions)
    while (batch.ms < BATCH_MS && sessions < MAX_SESSIONS && !problems.length) {
      sessions = Math.min(MAX_SESSIONS, sessions * 4)
      batch = await play(sessions)
    }
    return { startupMs, nsPerEvent: (batch.ms * 1e6) / (sessions * SESSION.length), events: sessions * SESSION.length, problems }
  } finally {
    await page.close()
  }
}

/** Start-up by `<script src>` in a page of its own (Chromium only), then one session's calls checked. */
async function measureLoad(env, subject) {
  const page = await env.open()
  try {
    const args = startArgs(subject)
    const loadMs = await page.load(args)
    await page.play(1)
    const { calls } = await page.play(1)
    return { loadMs, problems: callProblems(calls, subject.calls, 1) }
  } finally {
    await page.close()
  }
}

/**
 * The heap a subject's happy-dom page holds after start-up and the first batch, against the bare
 * page. Measured before any timed run: the big batches leave garbage that V8 frees only later.
 */
async function heapRetained(subject) {
  // Twice: what the previous page left may need a second cycle.
  const heapUsed = () => (globalThis.gc(), globalThis.gc(), process.memoryUsage().heapUsed)
  const page = await happyDomPage()
  try {
    const before = heapUsed()
    await page.start(startArgs(subject))
    await page.play(1)
    await page.play(FIRST_SESSIONS)
    return heapUsed() - before
  } finally {
    await page.close()
  }
}

// Not in quick mode, whose figures are not read: the collections would take most of its time.
const heaps = subjects.map(() => [])
if (globalThis.gc && !quick) {
  for (let run = 0; run < RUNS; run++) {
    // In a new order each run: what a page holds past its closing (analytics-next's timers) is
    // freed during the next subject's measurement, and must not always be the same subject's.
    const order = [...subjects.keys()].sort(() => Math.random() - 0.5)
    for (const i of order) {
      const subject = subjects[i]
      try {
        heaps[i].push(await heapRetained(subject))
      } catch {
        // A subject that fails here fails the timed runs too, which report it.
      }
    }
  }
}

const browser = await chromium()
const environments = { 'happy-dom': { open: happyDomPage }, ...(browser ? { Chromium: browser } : {}) }
const envs = Object.keys(environments)

// Interleaved: run r measures every subject before run r + 1 starts, so drift hits all alike.
const raw = Object.fromEntries(envs.map((env) => [env, subjects.map(() => ({ startupMs: [], loadMs: [], nsPerEvent: [], events: [], errors: [] }))]))
for (let run = 1; run <= RUNS; run++) {
  for (const env of envs) {
    for (const [i, subject] of subjects.entries()) {
      const r = raw[env][i]
      try {
        const result = await measure(environments[env], subject)
        if (result.problems.length) r.errors.push(`run ${run}: ${result.problems.join('; ')}`)
        for (const key of ['startupMs', 'nsPerEvent', 'events']) r[key].push(result[key])
        if (environments[env].scriptTags) {
          const loaded = await measureLoad(environments[env], subject)
          if (loaded.problems.length) r.errors.push(`run ${run}, loaded by <script src>: ${loaded.problems.join('; ')}`)
          r.loadMs.push(loaded.loadMs)
        }
      } catch (error) {
        r.errors.push(`run ${run}: ${error.message}`)
      }
    }
  }
}
await browser?.close()

const stats = (values) => {
  if (!values.length) return undefined
  const sorted = [...values].sort((a, b) => a - b)
  return { median: sorted[Math.floor(sorted.length / 2)], min: sorted[0], max: sorted[sorted.length - 1] }
}
const results = subjects.map((subject, i) => ({
  name: subject.name,
  calls: subject.calls,
  gzipBytes: gzipSync(subject.source, { level: 9 }).length,
  heapBytes: stats(heaps[i]),
  ...Object.fromEntries(
    envs.map((env) => {
      const r = raw[env][i]
      if (r.errors.length) return [env, { errors: r.errors }]
      return [env, { startupMs: stats(r.startupMs), ...(r.loadMs.length ? { loadMs: stats(r.loadMs) } : {}), nsPerEvent: stats(r.nsPerEvent), events: stats(r.events) }]
    }),
  ),
}))

/** A markdown table, columns padded so that it reads in a terminal too. */
function printTable(header, rows) {
  const widths = header.map((_, i) => Math.max(...[header, ...rows].map((row) => row[i].length)))
  const line = (cells) => `| ${cells.map((cell, i) => cell.padEnd(widths[i])).join(' | ')} |`
  console.log([line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n'))
}
const fixed = (digits) => (n) => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })
const range = (format) => (s) => (s.min === s.max ? format(s.median) : `${format(s.median)} (${format(s.min)}–${format(s.max)})`)
const kb = (bytes) => `${fixed(1)(bytes / 1024)} KB`
const perEnv = (r, cell) => envs.flatMap((env) => (r[env].errors ? ['error', 'error'] : cell(r[env])))

// Chromium's start-up twice: evaluated from its source, and loaded by <script src> as a shop loads it.
const LOADED = browser ? ['Chromium'] : []
const loadedCell = (r, format) => LOADED.map((env) => (r[env].errors ? 'error' : format(r[env].loadMs)))
printTable(
  ['', 'min+gzip', ...envs.flatMap((env) => [`start-up ms, ${env}`, `ns/event, ${env}`]), ...LOADED.map((env) => `script ms at load by <script src>, ${env}`), 'heap, happy-dom'],
  results.map((r) => [
    r.name,
    kb(r.gzipBytes),
    ...perEnv(r, (e) => [range(fixed(2))(e.startupMs), range(fixed(0))(e.nsPerEvent)]),
    ...loadedCell(r, range(fixed(2))),
    r.heapBytes ? kb(r.heapBytes.median) : '–',
  ]),
)
console.log('')

// Every subject against the floor: what the same calls cost with nothing but the calls.
const floor = results.find((r) => r.name === FLOOR)
const times = (a, b) => {
  if (a === undefined || b === undefined) return 'error'
  const ratio = a / b
  return `${fixed(ratio < 1 ? 2 : ratio < 10 ? 1 : 0)(ratio)}×`
}
printTable(
  ['ratio to the floor', 'min+gzip', ...envs.flatMap((env) => [`start-up, ${env}`, `per event, ${env}`]), ...LOADED.map((env) => `start-up by <script src>, ${env}`)],
  results
    .filter((r) => r !== floor)
    .map((r) => [
      r.name,
      times(r.gzipBytes, floor.gzipBytes),
      ...envs.flatMap((env) => [times(r[env].startupMs?.median, floor[env].startupMs?.median), times(r[env].nsPerEvent?.median, floor[env].nsPerEvent?.median)]),
      ...LOADED.map((env) => times(r[env].loadMs?.median, floor[env].loadMs?.median)),
    ]),
)
console.log('')

for (const r of results) {
  for (const env of envs) {
    for (const error of r[env].errors ?? []) {
      console.log(`error: ${r.name} in ${env}: ${error}`)
      process.exitCode = 1
    }
  }
}
if (compiled.skipped) console.log(`compiled tag not measured: ${compiled.skipped}`)
const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}${browser ? `, ${browser.version}` : ', no Chromium'}`
const method = [
  `median (min–max) of ${RUNS} interleaved runs`,
  `per event: a warm batch of at least ${BATCH_MS} ms of work`,
  'min+gzip: gzip -9',
  ...(heaps[0].length ? [`heap: after start-up and ${(1 + FIRST_SESSIONS) * SESSION.length} events`] : []),
  machine,
  ...(quick ? ['quick mode'] : []),
]
console.log(method.join('; '))
if (!quick) writeFileSync(new URL('./results.json', import.meta.url), `${JSON.stringify({ date: new Date().toISOString(), machine, runs: RUNS, batchMs: BATCH_MS, results }, null, 2)}\n`)
