// Runs vitest, then prints one plain closing line, `N passed, N failed`, that CI reads.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const dir = mkdtempSync(join(tmpdir(), 'popin-bridge-tests-'))
const report = join(dir, 'report.json')
let passed = 0
let failed = 0
let status = 1
try {
  const vitest = spawnSync(
    process.execPath,
    ['node_modules/vitest/vitest.mjs', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...process.argv.slice(2)],
    { stdio: 'inherit' },
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
  rmSync(dir, { recursive: true, force: true })
}
console.log(`${passed} passed, ${failed} failed`)
process.exit(status === 0 && failed === 0 && passed > 0 ? 0 : 1)
