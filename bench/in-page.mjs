/**
 * What runs in the page (happy-dom or Chromium) to measure one subject; evaluated there from its
 * source text, so it refers to nothing outside itself. Stubs the page's vendors as counters and
 * defines `window.__bench`: `start` evaluates the subject and returns its start-up time in ms
 * (`prepare` only takes the arguments, for a subject loaded by `<script src>`);
 * `play` sends sessions and resolves, with the calls each vendor got, once the subject is done:
 * every expected call made, then five turns of the event loop with no call, so that the work it
 * queued or timed after its last call runs (and is counted by the caller's clock) too.
 */
export function installBench() {
  const QUIET_TURNS = 5
  // While calls are missing: how long with none before giving up (the caller reports them).
  const STALL_MS = 3000
  const w = window
  const counted = { fbq: 0, gtag: 0, analytics: 0, dataLayer: 0, fetch: 0 }
  const counter = (vendor) => () => void counted[vendor]++
  w.fbq = counter('fbq')
  w.gtag = counter('gtag')
  const segment = counter('analytics')
  // Shaped like a loaded analytics.js.
  w.analytics = { initialized: true, initialize() {}, track: segment, identify: segment, page: segment, user: () => ({ anonymousId: () => 'a' }) }
  const dataLayer = []
  dataLayer.push = counter('dataLayer')
  w.dataLayer = dataLayer
  const fetched = counter('fetch')
  w.fetch = () => (fetched(), Promise.resolve(new Response('{}')))

  const total = () => Object.values(counted).reduce((a, b) => a + b, 0)
  const turn = () => new Promise((resolve) => setTimeout(resolve, 0))
  let args
  w.__bench = {
    /** The config, session and expected calls, for a subject the page then loads by <script src>. */
    prepare(given) {
      args = given
      w.popinBridgeConfig = args.config
    },
    start(given) {
      w.__bench.prepare(given)
      const started = performance.now()
      ;(0, eval)(args.source)
      return performance.now() - started
    },
    async play(sessions) {
      const before = { ...counted }
      for (let s = 0; s < sessions; s++) for (const [event, data] of args.session) w.popinEvent(event, { ...data })
      const reached = () => Object.keys(args.calls).every((vendor) => counted[vendor] - before[vendor] >= args.calls[vendor] * sessions)
      let calls = total()
      let lastCall = Date.now()
      for (let quiet = 0; quiet < QUIET_TURNS; ) {
        await turn()
        if (total() !== calls) {
          calls = total()
          lastCall = Date.now()
          quiet = 0
        } else if (reached()) quiet++
        else if (Date.now() - lastCall > STALL_MS) break
      }
      return Object.fromEntries(Object.keys(counted).map((vendor) => [vendor, counted[vendor] - before[vendor]]))
    },
  }
}
