import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import Ajv from 'ajv'
import { describe, expect, it } from 'vitest'
import { configJsonSchema, validateConfig } from '../src/index'

/**
 * The config has one definition (the valibot schema); the JSON Schema editors and ajv use is
 * generated from it. This table proves the two give the same verdict, and that both give the
 * verdict the spec (README, design brief) calls for, which each fixture's name states:
 * `<valid|invalid>-<short description>.json` in test/fixtures/configs/table/.
 */

const dir = join(__dirname, 'fixtures/configs/table')
const shipped = join(__dirname, '../dist/config.schema.json')
const NAME = /^(valid|invalid)-[a-z0-9]+(?:-[a-z0-9]+)*\.json$/

type Verdict = 'valid' | 'invalid'

const files = readdirSync(dir).filter((file) => file.endsWith('.json')).sort()
const table = files.map((file) => ({ name: file.slice(0, -'.json'.length), expected: (file.startsWith('valid-') ? 'valid' : 'invalid') as Verdict }))
const read = (name: string): unknown => JSON.parse(readFileSync(join(dir, `${name}.json`), 'utf8'))

const schema = configJsonSchema()
const ajvCheck = new Ajv({ allErrors: true, strict: false }).compile(schema)

const verdict = (valid: boolean): Verdict => (valid ? 'valid' : 'invalid')

describe('the config table: the JSON Schema and validateConfig agree with the spec', () => {
  it('holds at least 40 fixtures, valid and invalid, each named <valid|invalid>-<description>.json', () => {
    expect(files.filter((file) => !NAME.test(file))).toEqual([])
    expect(table.length).toBeGreaterThanOrEqual(40)
    expect(table.some((row) => row.expected === 'valid')).toBe(true)
    expect(table.some((row) => row.expected === 'invalid')).toBe(true)
  })

  it('the shipped dist/config.schema.json (npm run build) is the schema configJsonSchema() generates', () => {
    expect(JSON.parse(readFileSync(shipped, 'utf8'))).toEqual(schema)
  })

  it.each(table)('$name', ({ name, expected }) => {
    const config = read(name)
    const ajvValid = ajvCheck(config) as boolean
    const ajvErrors = (ajvCheck.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}`)
    const problems = validateConfig(config)
    const detail = `ajv errors: ${JSON.stringify(ajvErrors)}\nvalidateConfig problems: ${JSON.stringify(problems)}`

    expect({ ajv: verdict(ajvValid), validate: verdict(problems.length === 0) }, detail).toEqual({ ajv: expected, validate: expected })

    if (expected === 'invalid') {
      const keys = config !== null && typeof config === 'object' && !Array.isArray(config) ? Object.keys(config) : []
      for (const problem of problems) {
        expect(typeof problem.path === 'string' && problem.path.length > 0, `problem without a path: ${JSON.stringify(problem)}`).toBe(true)
        const first = problem.path.split('.')[0]!
        expect(first === 'config' || keys.includes(first), `path "${problem.path}" does not start at a key of the config (${JSON.stringify(keys)})`).toBe(true)
        expect(typeof problem.message === 'string' && problem.message.trim().length > 0, `problem without a message: ${JSON.stringify(problem)}`).toBe(true)
      }
    }
  })
})
