import { readFileSync } from 'node:fs'
import { configJsonSchema, formatProblems, validateConfig } from '../index'
import { parseJsonWithPosition } from './parse-json'

const HELP = `popin-bridge <command>

Commands:
  validate <config.json>   Check a config; exit 1 and list every problem with its JSON path
  schema                   Print the JSON Schema of the config
  help                     Show this help
`

/** Runs one CLI command; returns the exit code. Output goes through `out` and `err`. */
export function run(argv: string[], out: (text: string) => void, err: (text: string) => void): number {
  const [command, ...rest] = argv
  if (!command || command === 'help' || command === '--help' || command === '-h') {
    out(HELP)
    return command ? 0 : 1
  }
  if (rest.includes('--help')) {
    out(HELP)
    return 0
  }
  if (command === 'schema') {
    out(`${JSON.stringify(configJsonSchema(), null, 2)}\n`)
    return 0
  }
  if (command === 'validate') {
    const file = rest[0]
    if (!file) {
      err('popin-bridge validate: name the config file, e.g. popin-bridge validate bridge.json\n')
      return 2
    }
    let text: string
    try {
      text = readFileSync(file, 'utf8')
    } catch (error) {
      err(`popin-bridge validate: cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}\n`)
      return 2
    }
    const parsed = parseJsonWithPosition(text)
    if ('error' in parsed) {
      err(`${file}: not valid JSON: ${parsed.error}\n`)
      return 1
    }
    const problems = validateConfig(parsed.value)
    if (problems.length === 0) {
      out(`${file}: valid\n`)
      return 0
    }
    err(`${file}: ${problems.length} problem(s)\n${formatProblems(problems)}\n`)
    return 1
  }
  err(`popin-bridge: unknown command "${command}"\n\n${HELP}`)
  return 2
}
