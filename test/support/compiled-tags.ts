import { createHash } from 'node:crypto'
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { buildTag } from '../../src/tag/build'

const ROOT = join(__dirname, '../..')
const CACHE = join(ROOT, 'node_modules/.cache/popin-bridge/tags')

/** Everything a tag is made from besides its config: the code that compiles it, the minifier's version. */
let sources: string | undefined
function sourcesDigest(): string {
  if (sources) return sources
  const hash = createHash('sha256')
  for (const dir of ['src', 'adapters']) {
    for (const file of (readdirSync(join(ROOT, dir), { recursive: true }) as string[]).sort()) {
      if (!file.endsWith('.ts') && !file.endsWith('.json')) continue
      hash.update(`${dir}/${file}\0`).update(readFileSync(join(ROOT, dir, file))).update('\0')
    }
  }
  for (const file of ['package.json', 'package-lock.json']) hash.update(readFileSync(join(ROOT, file)))
  return (sources = hash.digest('hex'))
}

/**
 * `popin-bridge build` for a test: the tag `buildTag` makes from dist's runtime. Minifying the whole
 * runtime takes terser 1 to 3 s a tag, so each tag is kept under node_modules/.cache, named by the
 * SHA-256 of what makes it (config, options, runtime, src/ and adapters/, package.json and the
 * lockfile): a change to any of them builds it again, and the tags of older sources are deleted.
 * An invalid config throws with its problems.
 */
export async function compiledTag(config: unknown, { gtm = false } = {}): Promise<string> {
  const runtime = readFileSync(join(ROOT, 'dist', gtm ? 'tag-runtime.es5.js' : 'tag-runtime.js'), 'utf8')
  const dir = join(CACHE, sourcesDigest())
  const file = join(dir, `${createHash('sha256').update(JSON.stringify({ config, gtm })).update(runtime).digest('hex')}.js`)
  try {
    return readFileSync(file, 'utf8')
  } catch {
    // Not built yet.
  }
  const result = await buildTag(config, { runtime, gtm })
  if (result.code === undefined) throw new Error(`invalid config for a tag: ${JSON.stringify(result.problems)}`)
  mkdirSync(dir, { recursive: true })
  for (const old of readdirSync(CACHE)) if (join(CACHE, old) !== dir) rmSync(join(CACHE, old), { recursive: true, force: true })
  writeFileSync(file, result.code)
  return result.code
}
