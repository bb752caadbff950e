import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { configJsonSchema, formatProblems, validateConfig } from '../index'
import { isPlainObject } from '../lib/is-plain-object'
import { validateRelay } from '../relay/settings'
import { gtmContainer } from './gtm-container'
import { parseJsonWithPosition } from './parse-json'
import { gtmSnippet, scriptSnippet } from './snippet'

export interface CliIo {
  out(text: string): void
  err(text: string): void
  /** Where the built bundles are (dist/). */
  distDir: string
  /** Starts the demo playground; injected so that the CLI core stays testable. */
  startDemo?(options: { port: number; host: string }): Promise<string>
  /** Starts the webhook relay; resolves to its URL. */
  startRelay?(config: unknown, overrides: RelayOverrides): Promise<string>
  /** Queues the dead letters again; resolves to how many. */
  replayDeadLetters?(config: unknown, overrides: RelayOverrides): number
}

export interface RelayOverrides {
  host?: string
  port?: number
  database?: string
}

const HELP = `popin-bridge <command> [options]

Commands:
  validate <config.json>                 Check a config: exit 1 and every problem with its JSON path
  snippet <config.json> --gtm            Print a Google Tag Manager Custom HTML tag (ES5) with the config
  snippet <config.json> --script <url>   Print the <script> line for the drop-in, config inlined
  gtm-container <config.json> [--out f]  Write a GTM container export: the tag, popin.* triggers, variables
  demo [--port 8080]                     Start the playground on 127.0.0.1
  relay --config <config.json>           Start the webhook relay (Popin webhooks to Meta CAPI, GA4 MP, Segment)
  relay replay --config <config.json>    Queue the relay's dead letters again
  schema                                 Print the JSON Schema of the config

Every command takes --help.
`

const COMMAND_HELP: Record<string, string> = {
  validate: `popin-bridge validate <config.json>

Checks a config file. Exit 0 when valid; exit 1 with every problem and its JSON path
(malformed JSON: line and column).
`,
  snippet: `popin-bridge snippet <config.json> (--gtm | --script <url>)

--gtm            A Custom HTML tag for Google Tag Manager, in ES5 syntax, with the config inlined.
                 Fire it on All Pages; it forwards to the Meta, GA4 and Segment tags the container has.
--script <url>   The <script> line for the drop-in hosted at <url>, config in data-config.
`,
  'gtm-container': `popin-bridge gtm-container <config.json> [--out container.json]

Writes a GTM container export (Admin > Import Container, choose Merge) with the bridge's tag on
All Pages, a Custom Event trigger for each popin.* dataLayer event, and Data Layer Variables.
Prints to standard output unless --out is given.
`,
  demo: `popin-bridge demo [--port 8080] [--host 127.0.0.1]

Serves a page with a simulated Popin widget, the drop-in bundle, and live panels of what
Facebook Pixel, GA4 and Segment received.
`,
  relay: `popin-bridge relay --config <config.json> [--host 127.0.0.1] [--port 8787] [--database file.db]
popin-bridge relay replay --config <config.json> [--database file.db]

Receives Popin's webhooks at POST /webhooks/popin, stores each one before answering 200, and
forwards it to the Meta Conversions API, GA4 Measurement Protocol and Segment as the config says.
GET /healthz and GET /metrics (Prometheus). SIGTERM stops accepting, finishes deliveries in flight
and exits. "replay" makes every dead letter due again; a running relay sends them.

Secrets come from the environment only:
  POPIN_BRIDGE_POPIN_API_KEY       the API key entered in Popin's webhook settings (X-API-KEY)
  POPIN_BRIDGE_META_ACCESS_TOKEN   Conversions API access token
  POPIN_BRIDGE_GA4_API_SECRET      Measurement Protocol API secret
  POPIN_BRIDGE_SEGMENT_WRITE_KEY   Segment source write key
`,
  schema: `popin-bridge schema

Prints the JSON Schema of the config (also shipped as popin-bridge/schema.json).
`,
}

/** Runs one CLI command; resolves to the exit code. */
export async function run(argv: string[], io: CliIo): Promise<number> {
  const [command, ...args] = argv
  if (!command || command === 'help' || command === '--help' || command === '-h') {
    io.out(HELP)
    return command ? 0 : 1
  }
  if (!(command in COMMAND_HELP)) {
    io.err(`popin-bridge: unknown command "${command}"\n\n${HELP}`)
    return 2
  }
  if (args.includes('--help') || args.includes('-h')) {
    io.out(COMMAND_HELP[command] as string)
    return 0
  }
  switch (command) {
    case 'schema':
      io.out(`${JSON.stringify(configJsonSchema(), null, 2)}\n`)
      return 0
    case 'demo':
      return demo(args, io)
    case 'relay':
      return relay(args, io)
    default:
      return withConfig(command, args, io)
  }
}

/** validate, snippet and gtm-container: read and check the config, then act on it. */
function withConfig(command: string, args: string[], io: CliIo): number {
  const file = args.find((arg, i) => !arg.startsWith('--') && !['--script', '--out'].includes(args[i - 1] ?? ''))
  if (!file) {
    io.err(`popin-bridge ${command}: name the config file, e.g. popin-bridge ${command} bridge.json\n`)
    return 2
  }
  const parsed = readJson(file, command, io)
  if (parsed === undefined) return existsSync(file) ? 1 : 2
  const problems = [...validateConfig(parsed.value), ...relayProblems(parsed.value)]
  if (problems.length) {
    io.err(`${file}: ${problems.length} problem(s)\n${formatProblems(problems)}\n`)
    return 1
  }
  if (command === 'validate') {
    io.out(`${file}: valid\n`)
    return 0
  }
  if (command === 'snippet') {
    const url = option(args, '--script')
    if (args.includes('--gtm') === (url !== undefined)) {
      io.err('popin-bridge snippet: choose one of --gtm or --script <url>\n')
      return 2
    }
    io.out(url !== undefined ? scriptSnippet(parsed.value, url) : gtmSnippet(parsed.value, readGtmBundle(io)))
    return 0
  }
  const container = `${JSON.stringify(gtmContainer(gtmSnippet(parsed.value, readGtmBundle(io)), new Date()), null, 2)}\n`
  const out = option(args, '--out')
  if (out === undefined) io.out(container)
  else {
    writeFileSync(out, container)
    io.out(`wrote ${out}: import it in GTM under Admin > Import Container (choose Merge)\n`)
  }
  return 0
}

async function demo(args: string[], io: CliIo): Promise<number> {
  const port = Number(option(args, '--port') ?? 8080)
  const host = option(args, '--host') ?? '127.0.0.1'
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    io.err('popin-bridge demo: --port takes a port number\n')
    return 2
  }
  if (!io.startDemo) {
    io.err('popin-bridge demo: not available here\n')
    return 2
  }
  const url = await io.startDemo({ port, host })
  io.out(`popin-bridge demo: open ${url} (Ctrl-C to stop)\n`)
  return 0
}

async function relay(args: string[], io: CliIo): Promise<number> {
  const file = option(args, '--config')
  if (!file) {
    io.err('popin-bridge relay: name the config, e.g. popin-bridge relay --config bridge.json\n')
    return 2
  }
  const config = readJson(file, 'relay', io)
  if (config === undefined) return 1
  const port = option(args, '--port')
  const overrides: RelayOverrides = {
    ...(option(args, '--host') ? { host: option(args, '--host') } : {}),
    ...(port !== undefined ? { port: Number(port) } : {}),
    ...(option(args, '--database') ? { database: option(args, '--database') } : {}),
  }
  if (overrides.port !== undefined && (!Number.isInteger(overrides.port) || overrides.port < 0 || overrides.port > 65535)) {
    io.err('popin-bridge relay: --port takes a port number\n')
    return 2
  }
  if (args[0] === 'replay') {
    const count = io.replayDeadLetters?.(config.value, overrides) ?? 0
    io.out(`queued ${count} dead letter(s) again\n`)
    return 0
  }
  if (!io.startRelay) {
    io.err('popin-bridge relay: not available here\n')
    return 2
  }
  const url = await io.startRelay(config.value, overrides)
  io.out(`popin-bridge relay: Popin webhook URL ${url}/webhooks/popin (SIGTERM or Ctrl-C to stop)\n`)
  return 0
}

/** Reads and parses a JSON file, reporting unreadable files and bad JSON (with line and column). */
function readJson(file: string, command: string, io: CliIo): { value: unknown } | undefined {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (error) {
    io.err(`popin-bridge ${command}: cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}\n`)
    return undefined
  }
  const parsed = parseJsonWithPosition(text)
  if ('error' in parsed) {
    io.err(`${file}: not valid JSON: ${parsed.error}\n`)
    return undefined
  }
  return parsed
}

function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(name)
  return i === -1 ? undefined : (args[i + 1] ?? '')
}

function readGtmBundle(io: CliIo): string {
  return readFileSync(join(io.distDir, 'popin-bridge.gtm.js'), 'utf8')
}

/** The relay's own section, which browsers ignore. */
function relayProblems(config: unknown) {
  return isPlainObject(config) && isPlainObject(config.relay) ? validateRelay(config.relay, ['facebookPixel', 'ga4', 'segment', 'dataLayer']) : []
}
