import { execFileSync, spawnSync } from 'node:child_process'
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { run } from '../src/cli/index'

const fixture = (path: string) => join(__dirname, 'fixtures/configs', path)

function cli(...argv: string[]) {
  let out = ''
  let err = ''
  const code = run(argv, (text) => (out += text), (text) => (err += text))
  return { code, out, err }
}

describe('popin-bridge validate', () => {
  it('exits 0 for a valid config', () => {
    expect(cli('validate', fixture('valid/shop-full.json'))).toEqual({ code: 0, out: `${fixture('valid/shop-full.json')}: valid\n`, err: '' })
  })

  it('exits 1 and lists every problem with its JSON path', () => {
    const file = fixture('invalid/bad-settings.json')
    const expected = readFileSync(fixture('invalid/bad-settings.txt'), 'utf8')
    expect(cli('validate', file)).toEqual({ code: 1, out: '', err: `${file}: 8 problem(s)\n${expected}` })
  })

  it('reports malformed JSON with its line and column', () => {
    const dir = mkdtempSync(join(tmpdir(), 'popin-bridge-'))
    const file = join(dir, 'broken.json')
    writeFileSync(file, '{\n  "debug": true,\n  "destinations": {\n    "ga4": { "measurementId": "G-ABC123", }\n  }\n}\n')
    const result = cli('validate', file)
    expect(result.code).toBe(1)
    expect(result.err).toBe(`${file}: not valid JSON: Expected double-quoted property name at line 4, column 43\n`)
  })

  it('says what is missing or unreadable', () => {
    expect(cli('validate')).toEqual({ code: 2, out: '', err: 'popin-bridge validate: name the config file, e.g. popin-bridge validate bridge.json\n' })
    expect(cli('validate', '/nonexistent/bridge.json').err).toBe('popin-bridge validate: cannot read /nonexistent/bridge.json: ENOENT\n')
    expect(cli('frobnicate').code).toBe(2)
  })
})

describe('the built CLI', () => {
  const bin = join(__dirname, '../dist/cli.js')

  it('runs as a program, with the exit codes of validate', () => {
    expect(execFileSync(process.execPath, [bin, 'validate', fixture('valid/empty.json')], { encoding: 'utf8' })).toBe(`${fixture('valid/empty.json')}: valid\n`)
    const failed = spawnSync(process.execPath, [bin, 'validate', fixture('invalid/not-an-object.json')], { encoding: 'utf8' })
    expect([failed.status, failed.stderr]).toEqual([1, `${fixture('invalid/not-an-object.json')}: 1 problem(s)\nconfig: must be a JSON object\n`])
  })

  it('prints the JSON Schema that ships as popin-bridge/schema.json', () => {
    const printed = JSON.parse(execFileSync(process.execPath, [bin, 'schema'], { encoding: 'utf8' }))
    expect(printed).toEqual(JSON.parse(readFileSync(join(__dirname, '../dist/config.schema.json'), 'utf8')))
    expect(printed.title).toBe('popin-bridge config')
  })

  it('prints help with --help on every command', () => {
    for (const argv of [['--help'], ['validate', '--help'], ['schema', '--help']]) {
      const result = spawnSync(process.execPath, [bin, ...argv], { encoding: 'utf8' })
      expect(result.status).toBe(0)
      expect(result.stdout).toMatch(/^popin-bridge <command>/)
    }
  })
})
