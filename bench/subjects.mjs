// What the benchmark measures. A subject is a script that defines window.popinEvent, with the
// vendor calls one session (bench/session.mjs) must make through the page's fbq, gtag, analytics,
// dataLayer and fetch (stubbed as counters; a vendor not listed must get none). One more subject
// is one more entry.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { bundle } from './build-peers.mjs'
import { CONFIG, PRESET_CALLS } from './session.mjs'

const root = fileURLToPath(new URL('..', import.meta.url))

export const FLOOR = 'the floor (hand-written)'

/**
 * Each with `calls` per session, and its script as a `file` from the repository's root or as
 * `source`. `bundle: true` builds the file as the drop-ins are built (rollup.config.mjs `dropIn`,
 * analytics-next slimmed the same way); otherwise it is read as it is.
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
    if (run.status !== 0) return { skipped: `popin-bridge build preset.json --out tag.js exited ${run.status}: ${(run.stderr || run.stdout).trim().split('\n')[0]}` }
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
