// Node module hooks that let a worker thread started by the code under test run its TypeScript
// source (the relay's SQLite thread, src/relay/sqlite-thread.ts): vitest transforms the tests'
// own modules, not what `new Worker()` loads. An import of `./x.js` or `./x` finds `x.ts`, as in
// the bundles; .ts files are stripped of their types by esbuild.
import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { transformSync } from 'esbuild'

export async function resolve(specifier, context, nextResolve) {
  // A worker's entry comes as a file: URL; the modules it imports, as relative paths.
  const url = specifier.startsWith('file:') ? specifier : context.parentURL?.startsWith('file:') && /^\.{1,2}\//.test(specifier) ? new URL(specifier, context.parentURL).href : undefined
  if (url) {
    const path = fileURLToPath(url)
    if (!existsSync(path)) {
      const source = [path.replace(/\.js$/, '.ts'), `${path}.ts`].find((candidate) => existsSync(candidate))
      if (source) return { url: pathToFileURL(source).href, format: 'module', shortCircuit: true }
    }
  }
  return nextResolve(specifier, context)
}

export async function load(url, context, nextLoad) {
  if (!url.startsWith('file:') || !url.endsWith('.ts')) return nextLoad(url, context)
  const file = fileURLToPath(url)
  const { code } = transformSync(readFileSync(file, 'utf8'), { loader: 'ts', format: 'esm', target: 'node20', sourcefile: file, sourcemap: 'inline' })
  return { format: 'module', source: code, shortCircuit: true }
}
