// Runs vitest, then prints one plain closing line, `N passed, N failed`, that CI reads.
// Everything the run writes goes to one temp folder, removed at the end: the JSON report, and
// the tests' own temp files (TMPDIR points into it), which are listed first if any were left.
import { spawnSync } from 'node:child_process'
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const dir = mkdtempSync(join(tmpdir(), 'popin-bridge-tests-'))
const report = join(dir, 'report.json')
const testTmp = join(dir, 'tmp')
let passed = 0
let failed = 0
let status = 1
try {
  // The PostgreSQL tests' servers run as the postgres user, in folders under testTmp: it must
  // pass through (not list) this one.
  chmodSync(dir, 0o711)
  mkdirSync(testTmp, { mode: 0o711 })
  const vitest = spawnSync(
    process.execPath,
    ['node_modules/vitest/vitest.mjs', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...process.argv.slice(2)],
    { stdio: 'inherit', env: { ...process.env, TMPDIR: testTmp, TMP: testTmp, TEMP: testTmp } },
  )
  status = vitest.status ?? 1
  const results = JSON.parse(readFileSync(report, 'utf8'))
  passed = results.numPassedTests
  failed = results.numFailedTests
  // A failing hook or file (no test of its own failed) still fails the run: count it.
  if (results.success === false && failed === 0) failed = 1
} catch {
  failed = failed || 1
} finally {
  try {
    const left = {}
    for (const name of readdirSync(testTmp)) {
      const kind = name.replace(/[-_.][A-Za-z0-9]{6,}$/, '-*')
      left[kind] = (left[kind] ?? 0) + 1
    }
    const list = Object.entries(left).map(([kind, count]) => `${count} ${kind}`)
    if (list.length) console.log(`temp files the tests did not remove (removed now): ${list.join(', ')}`)
  } catch {
    // nothing was written there
  }
  rmSync(dir, { recursive: true, force: true })
}
console.log(`${passed} passed, ${failed} failed`)
process.exit(status === 0 && failed === 0 && passed > 0 ? 0 : 1)
