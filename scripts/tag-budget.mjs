// The compiled tag's size budgets, min+gzip (gzip -9): `npm run build` compiles these configs
// with the built CLI, prints each tag's size and fails when one is over its budget.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'

// Targets (issue 11): the preset ≤ 3 KB, one destination ≤ 2 KB. These budgets are today's sizes
// plus about 3 % (README, "Sizes"), so that they cannot grow back; they come down as the sizes do.
const TAGS = [
  { label: 'the preset, four destinations', config: {}, budget: 8_130 },
  { label: 'one destination (GA4)', config: { extends: 'none', destinations: { ga4: { measurementId: 'G-ABC1234', events: { popin_captured: { name: 'generate_lead' } } } } }, budget: 3_990 },
]

const dir = mkdtempSync(join(tmpdir(), 'popin-bridge-tag-'))
let over = 0
try {
  for (const { label, config, budget } of TAGS) {
    const file = join(dir, 'config.json')
    const out = join(dir, 'tag.js')
    writeFileSync(file, JSON.stringify(config))
    execFileSync(process.execPath, ['dist/cli.js', 'build', file, '--out', out], { stdio: ['ignore', 'ignore', 'inherit'] })
    const code = readFileSync(out, 'utf8')
    const gzip = gzipSync(code, { level: 9 }).length
    const line = `compiled tag, ${label}: ${code.length} B min, ${gzip} B min+gzip (budget ${budget} B gzip)`
    console.log(gzip > budget ? `over budget: ${line}` : `size ok: ${line}`)
    if (gzip > budget) over++
  }
} finally {
  rmSync(dir, { recursive: true, force: true })
}
process.exit(over ? 1 : 0)
