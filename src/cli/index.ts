import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { parseArgs, type ParseArgsConfig } from 'node:util'
import { configWarnings } from '../config/warnings'
import { configJsonSchema, formatProblems, validateConfig } from '../index'
import { hasOwn } from '../lib/has-own'
import { buildTag } from '../tag/build'
import { gtmContainer } from './gtm-container'
import { parseJsonWithPosition } from '../lib/parse-json'
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
  replayDeadLetters?(config: unknown, overrides: RelayOverrides): Promise<number>
  /** Erases what the relay keeps of one visitor; resolves to how many lookup keys were there. */
  forgetVisitor?(config: unknown, who: { email?: string; phone?: string; uid?: string }, overrides: RelayOverrides): Promise<number>
}

export interface RelayOverrides {
  host?: string
  port?: number
  database?: string
}

const HELP = `popin-bridge <command> [options]

Commands:
  build <config.json> [--out tag.js]     Compile a config into a tag: its plan and only the code it uses
        [--gtm] [--debug]
  validate <config.json>                 Check a config: exit 1 and every problem with its JSON path
  snippet <config.json> --gtm            Print a Google Tag Manager Custom HTML tag (ES5), compiled from the config
  snippet <config.json> --script <url>   Print the <script> line for the drop-in, config inlined
  gtm-container <config.json> [--out f]  Write a GTM container export: the tag, popin.* triggers, variables
  demo [--port 8080]                     Start the playground on 127.0.0.1
  relay --config <config.json>           Start the webhook relay (Popin webhooks to Meta CAPI, GA4 MP, Segment)
  relay replay --config <config.json>    Queue the relay's dead letters again
  relay forget --config <config.json> (--email <e> | --phone <p> | --uid <id>)
                                         Erase the match keys the relay keeps of a visitor
  schema                                 Print the JSON Schema of the config

Every command takes --help.
`

const COMMAND_HELP: Record<string, string> = {
  build: `popin-bridge build <config.json> [--out tag.js] [--gtm] [--debug]

Compiles a config into a tag (ES2020; ES5 with --gtm): the plan the config makes and only the code
it uses (its destinations; consent following, hashing and the relay channel only when the config asks).
Place it after the Popin snippet; it forwards to the vendors already on the page. An invalid
config: exit 1 with every problem, nothing written. Prints the tag unless --out is given.

--gtm     for a GTM Custom HTML tag: ES5, and no "{{" in strings
--debug   keep debug mode (as "debug": true does): console lines, window.popinBridgeTrace, the overlay
`,
  validate: `popin-bridge validate <config.json>

Checks a config file. Exit 0 when valid; exit 1 with every problem and its JSON path
(malformed JSON: line and column). Rule keys that are not a Popin event, screen or webhook
name the catalog knows (typos, most likely) are warnings on standard error: they do not fail.
`,
  snippet: `popin-bridge snippet <config.json> (--gtm | --script <url>)

--gtm            A Custom HTML tag for Google Tag Manager: the tag compiled from the config, in ES5.
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
  relay: `popin-bridge relay --config <config.json> [--host 127.0.0.1] [--port 8787] [--database file.db|postgres://…]
popin-bridge relay replay --config <config.json> [--database file.db|postgres://…]
popin-bridge relay forget --config <config.json> (--email <e> | --phone <+44…> | --uid <id>) [--database …]

Receives Popin's webhooks at POST /webhooks/popin, stores each one before answering 200, and
forwards it to the Meta Conversions API, GA4 Measurement Protocol and Segment as the config says.
GET /healthz, GET /readyz and GET /metrics (Prometheus). SIGTERM stops accepting, finishes
deliveries in flight and exits. "replay" makes every dead letter due again; a running relay sends them.
POST /e takes the bridge's browser events (relayUrl) from the origins in relay.allowedOrigins.
GET /admin shows recent webhooks, their deliveries and dead letters (with a replay button), personal
data only as hashes, behind POPIN_BRIDGE_ADMIN_TOKEN; without it there is no /admin.
"forget" erases the match keys kept to stitch webhooks to a visit, for an email, a phone
(with its country code) or a Popin uid; they are purged after relay.visitRetentionDays anyway.

Secrets come from the environment only:
  POPIN_BRIDGE_POPIN_API_KEY       the API key entered in Popin's webhook settings (X-API-KEY)
  POPIN_BRIDGE_META_ACCESS_TOKEN   Conversions API access token
  POPIN_BRIDGE_GA4_API_SECRET      Measurement Protocol API secret
  POPIN_BRIDGE_SEGMENT_WRITE_KEY   Segment source write key
  POPIN_BRIDGE_DATABASE_URL        a postgres:// URL, in place of relay.database (--database still wins)
  POPIN_BRIDGE_ADMIN_TOKEN         turns on the admin pages at /admin (Bearer token, or the login form)
`,
  schema: `popin-bridge schema

Prints the JSON Schema of the config (also shipped as popin-bridge/schema.json).
`,
}

type Options = NonNullable<ParseArgsConfig['options']>

/** What each command accepts: its options, and how many positional arguments (a config file, relay's `replay`). */
const ARGUMENTS: Record<string, { options: Options; positionals: number }> = {
  build: { options: { out: { type: 'string' }, gtm: { type: 'boolean', default: false }, debug: { type: 'boolean', default: false } }, positionals: 1 },
  validate: { options: {}, positionals: 1 },
  snippet: { options: { gtm: { type: 'boolean', default: false }, script: { type: 'string' } }, positionals: 1 },
  'gtm-container': { options: { out: { type: 'string' } }, positionals: 1 },
  demo: { options: { port: { type: 'string', default: '8080' }, host: { type: 'string', default: '127.0.0.1' } }, positionals: 0 },
  relay: {
    options: { config: { type: 'string' }, host: { type: 'string' }, port: { type: 'string' }, database: { type: 'string' }, email: { type: 'string' }, phone: { type: 'string' }, uid: { type: 'string' } },
    positionals: 1,
  },
  schema: { options: {}, positionals: 0 },
}

interface Arguments {
  values: Record<string, unknown>
  positionals: string[]
}

/** Runs one CLI command; resolves to the exit code. */
export async function run(argv: string[], io: CliIo): Promise<number> {
  const [command, ...args] = argv
  if (!command) {
    io.err(HELP)
    return 2
  }
  if (command === 'help' || command === '--help' || command === '-h') {
    io.out(HELP)
    return 0
  }
  // Own keys only: "toString" is not a command.
  const accepts = hasOwn(ARGUMENTS, command) ? ARGUMENTS[command] : undefined
  if (!accepts) {
    io.err(`popin-bridge: unknown command "${command}"\n\n${HELP}`)
    return 2
  }
  const parsed = parseCommandLine(args, accepts.options)
  if (typeof parsed === 'string') return usageError(command, parsed, io)
  if (parsed.values.help) {
    io.out(COMMAND_HELP[command] as string)
    return 0
  }
  const extra = parsed.positionals[accepts.positionals]
  if (extra !== undefined) return usageError(command, `unexpected argument "${extra}"`, io)
  switch (command) {
    case 'schema':
      io.out(`${JSON.stringify(configJsonSchema(), null, 2)}\n`)
      return 0
    case 'demo':
      return demo(parsed.values, io)
    case 'relay':
      return relay(parsed, io)
    case 'snippet':
      return snippet(parsed, io)
    case 'gtm-container':
      return container(parsed, io)
    case 'build':
      return build(parsed, io)
    default:
      return validate(parsed.positionals, io)
  }
}

/** The command's arguments, by parseArgs in strict mode (every command takes --help); else what is wrong. */
function parseCommandLine(args: string[], options: Options): Arguments | string {
  try {
    return parseArgs({ args, options: { ...options, help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals: true })
  } catch (error) {
    // parseArgs' own errors are the user's mistakes; anything else is a bug.
    const code = String((error as NodeJS.ErrnoException).code)
    if (!code.startsWith('ERR_PARSE_ARGS_')) throw error
    // Its own text for an unknown option is about positionals that start with "-": what the command takes helps more.
    const unknown = /^Unknown option '([^']*)'/.exec((error as Error).message)
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && unknown) {
      return `unknown option ${unknown[1]}; it takes ${[...Object.keys(options), 'help'].map((name) => `--${name}`).join(', ')} (a file whose name starts with "-" goes after --)`
    }
    return (error as Error).message
  }
}

/** A file error as a person reads it. */
const FILE_ERRORS: Partial<Record<string, string>> = { ENOENT: 'no such file', EACCES: 'permission denied', EISDIR: 'it is a folder', ENOTDIR: 'a part of the path is not a folder' }
const fileError = (error: unknown, words: typeof FILE_ERRORS = {}) => {
  const code = (error as NodeJS.ErrnoException).code
  return (code && ({ ...FILE_ERRORS, ...words }[code] ?? code)) || (error as Error).message
}

/** A mistake on the command line: what is wrong, then how the command is used. */
function usageError(command: string, message: string, io: CliIo): number {
  io.err(`popin-bridge ${command}: ${message}\n\n${COMMAND_HELP[command]}`)
  return 2
}

function validate(positionals: string[], io: CliIo): number {
  const config = loadConfig('validate', positionals, io)
  if (typeof config === 'number') return config
  io.out(`${config.file}: valid\n`)
  printWarnings(config.value, io)
  return 0
}

async function build({ values, positionals }: Arguments, io: CliIo): Promise<number> {
  const { out, gtm, debug } = values as { out?: string; gtm: boolean; debug: boolean }
  const config = loadConfig('build', positionals, io)
  if (typeof config === 'number') return config
  const code = await compileTag(config.value, io, { gtm, debug })
  if (out === undefined) io.out(code)
  else {
    if (!writeOut(out, code, 'build', io)) return 1
    io.out(`wrote ${out}: ${code.length} B, ${gzipSync(code, { level: 9 }).length} B min+gzip; place it after the Popin snippet\n`)
  }
  printWarnings(config.value, io)
  return 0
}

async function snippet({ values, positionals }: Arguments, io: CliIo): Promise<number> {
  const { gtm, script } = values as { gtm: boolean; script?: string }
  if (gtm === (script !== undefined)) return usageError('snippet', 'choose one of --gtm or --script <url>', io)
  if (script === '') return usageError('snippet', '--script takes the URL of the drop-in bundle', io)
  const config = loadConfig('snippet', positionals, io)
  if (typeof config === 'number') return config
  io.out(script === undefined ? gtmSnippet(await compileTag(config.value, io, { gtm: true })) : scriptSnippet(config.value, script))
  printWarnings(config.value, io)
  return 0
}

async function container({ values, positionals }: Arguments, io: CliIo): Promise<number> {
  const { out } = values as { out?: string }
  const config = loadConfig('gtm-container', positionals, io)
  if (typeof config === 'number') return config
  const json = `${JSON.stringify(gtmContainer(gtmSnippet(await compileTag(config.value, io, { gtm: true })), new Date()), null, 2)}\n`
  if (out === undefined) io.out(json)
  else {
    if (!writeOut(out, json, 'gtm-container', io)) return 1
    io.out(`wrote ${out}: import it in GTM under Admin > Import Container (choose Merge)\n`)
  }
  printWarnings(config.value, io)
  return 0
}

async function demo(values: Arguments['values'], io: CliIo): Promise<number> {
  const { port: text, host } = values as { port: string; host: string }
  const port = portNumber(text)
  if (port === undefined) return usageError('demo', '--port takes a port number', io)
  if (!io.startDemo) {
    io.err('popin-bridge demo: not available here\n')
    return 2
  }
  const url = await io.startDemo({ port, host })
  io.out(`popin-bridge demo: open ${url} (Ctrl-C to stop)\n`)
  return 0
}

async function relay({ values, positionals }: Arguments, io: CliIo): Promise<number> {
  const { config: file, host, port, database, email, phone, uid } = values as Record<string, string | undefined>
  const [mode] = positionals
  if (mode !== undefined && mode !== 'replay' && mode !== 'forget') return usageError('relay', `unexpected argument "${mode}"`, io)
  const who = { ...(email ? { email } : {}), ...(phone ? { phone } : {}), ...(uid ? { uid } : {}) }
  if (mode === 'forget' && Object.keys(who).length !== 1) return usageError('relay', 'forget takes one of --email, --phone or --uid', io)
  if (mode !== 'forget' && (email || phone || uid)) return usageError('relay', '--email, --phone and --uid are for relay forget', io)
  if (!file) return usageError('relay', 'name the config, e.g. popin-bridge relay --config bridge.json', io)
  const portOverride = port === undefined ? undefined : portNumber(port)
  if (port !== undefined && portOverride === undefined) return usageError('relay', '--port takes a port number', io)
  const config = readJson(file, 'relay', io)
  if (config === undefined) return 1
  const overrides: RelayOverrides = {
    ...(host ? { host } : {}),
    ...(portOverride !== undefined ? { port: portOverride } : {}),
    ...(database ? { database } : {}),
  }
  if (mode === 'forget') {
    const count = (await io.forgetVisitor?.(config.value, who, overrides)) ?? 0
    io.out(`erased ${count} visit key(s)\n`)
    return 0
  }
  if (mode === 'replay') {
    const count = (await io.replayDeadLetters?.(config.value, overrides)) ?? 0
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

/** A port from the command line: digits only, since Number() also takes "", "0x50" and "1e3". */
function portNumber(text: string): number | undefined {
  return /^\d{1,5}$/.test(text) && Number(text) <= 65535 ? Number(text) : undefined
}

/** Reads and checks the config file named on the command line; an exit code when it cannot be used. */
function loadConfig(command: string, positionals: string[], io: CliIo): { file: string; value: unknown } | number {
  const [file] = positionals
  if (!file) return usageError(command, `name the config file, e.g. popin-bridge ${command} bridge.json`, io)
  const parsed = readJson(file, command, io)
  if (parsed === undefined) return existsSync(file) ? 1 : 2
  const problems = validateConfig(parsed.value)
  if (problems.length) {
    io.err(`${file}: ${problems.length} problem(s)\n${formatProblems(problems)}\n`)
    printWarnings(parsed.value, io)
    return 1
  }
  return { file, value: parsed.value }
}

/** Rule keys the catalog does not know: likely typos, yet valid, so they never change the exit code. */
function printWarnings(config: unknown, io: CliIo): void {
  for (const { path, message } of configWarnings(config)) io.err(`warning: ${path}: ${message}\n`)
}

/** Writes an output file; says why not when it cannot (no such folder, no permission). */
function writeOut(file: string, text: string, command: string, io: CliIo): boolean {
  try {
    writeFileSync(file, text)
    return true
  } catch (error) {
    io.err(`popin-bridge ${command}: cannot write ${file}: ${fileError(error, { ENOENT: 'no such folder' })}\n`)
    return false
  }
}

/** Reads and parses a JSON file, reporting unreadable files and bad JSON (with line and column). */
function readJson(file: string, command: string, io: CliIo): { value: unknown } | undefined {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (error) {
    io.err(`popin-bridge ${command}: cannot read ${file}: ${fileError(error)}\n`)
    return undefined
  }
  const parsed = parseJsonWithPosition(text)
  if ('error' in parsed) {
    io.err(`${file}: not valid JSON: ${parsed.error}\n`)
    return undefined
  }
  return parsed
}

/** The tag for a config already checked: it compiles. */
async function compileTag(config: unknown, io: CliIo, options: { gtm?: boolean; debug?: boolean }): Promise<string> {
  const runtime = readFileSync(join(io.distDir, options.gtm ? 'tag-runtime.es5.js' : 'tag-runtime.js'), 'utf8')
  const { code, problems } = await buildTag(config, { runtime, ...options })
  if (code === undefined) throw new Error(`the config was valid, then not: ${formatProblems(problems)}`)
  return code
}

