// What the benchmark measures: the Popin session each subject is sent, and the subjects. A subject
// is a script that defines window.popinEvent, with the vendor calls one session must make through
// the page's fbq, gtag, analytics, dataLayer and fetch (stubbed as counters; a vendor not listed
// must get none). One more subject is one more entry.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { bundle } from './build-peers.mjs'

const root = fileURLToPath(new URL('..', import.meta.url))

/** A realistic widget session, repeated: nudges, screens, a call, a rating, a lead, a booking. */
export const SESSION = [
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

/** The config the drop-ins read: the preset, all four destinations on the page's own globals. */
export const CONFIG = {}

/** The calls one session makes with the preset (test/bench.test.ts checks them against popin-bridge). */
export const PRESET_CALLS = { fbq: 5, gtag: 10, analytics: 11, dataLayer: 20 }

export const FLOOR = 'the floor (hand-written)'

/**
 * `file` from the repository's root; `bundle: true` builds it as the drop-ins are built
 * (rollup.config.mjs `dropIn`, analytics-next slimmed the same way); otherwise it is read as it is.
 */
export const SUBJECTS = [
  { name: FLOOR, file: 'bench/peers/floor.js', bundle: true, calls: PRESET_CALLS },
  { name: 'popin-bridge lite', file: 'dist/popin-bridge.lite.min.js', calls: PRESET_CALLS },
  { name: 'popin-bridge full', file: 'dist/popin-bridge.min.js', calls: PRESET_CALLS },
  {
    name: 'analytics (DavidWells) + glue',
    file: 'bench/peers/analytics-glue.js',
    bundle: true,
    calls: { fbq: 10, gtag: 10, analytics: 10, dataLayer: 10 },
  },
  {
    name: '@segment/analytics-next + glue',
    file: 'bench/peers/analytics-next-glue.js',
    bundle: true,
    calls: { fbq: 10, gtag: 10, dataLayer: 10, fetch: 10 },
  },
]

/**
 * The preset compiled by `popin-bridge build`, as a subject, when the CLI has that command and it
 * succeeds; otherwise `{ skipped }` says why. Its source is read here: the folder is removed.
 */
export async function compiledTagSubject() {
  const dir = mkdtempSync(join(tmpdir(), 'popin-bench-'))
  try {
    const config = join(dir, 'preset.json')
    const out = join(dir, 'tag.js')
    writeFileSync(config, JSON.stringify(CONFIG))
    const run = spawnSync(process.execPath, [join(root, 'dist/cli.js'), 'build', config, '--out', out], { encoding: 'utf8' })
    if (run.status !== 0) return { skipped: `popin-bridge build ${config} exited ${run.status}: ${(run.stderr || run.stdout).trim().split('\n')[0]}` }
    return { name: 'popin-bridge compiled tag', source: await readFile(out, 'utf8'), calls: PRESET_CALLS }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/** Each subject with its source: built or read. */
export async function withSources(subjects) {
  const out = []
  for (const subject of subjects) {
    const source = subject.source ?? (subject.bundle ? await bundle(resolve(root, subject.file)) : await readFile(resolve(root, subject.file), 'utf8'))
    out.push({ ...subject, source })
  }
  return out
}
