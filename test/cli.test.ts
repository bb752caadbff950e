import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { parse } from 'acorn'
import { Window } from 'happy-dom'
import { afterAll, describe, expect, it, vi } from 'vitest'
import { run } from '../src/cli/index'
import { POPIN_EVENTS } from '../src/events/catalog'

const fixture = (path: string) => join(__dirname, 'fixtures/configs', path)
const distDir = join(__dirname, '../dist')
const bin = join(distDir, 'cli.js')
const folders: string[] = []
const windows: Window[] = []
afterAll(async () => {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true })
  await Promise.all(windows.splice(0).map((win) => win.happyDOM.close()))
})
const tmp = () => {
  const folder = mkdtempSync(join(tmpdir(), 'popin-bridge-'))
  folders.push(folder)
  return folder
}
/** A happy-dom page, closed after the file. */
const page = (...args: ConstructorParameters<typeof Window>) => {
  const win = new Window(...args)
  windows.push(win)
  return win
}

async function cli(...argv: string[]) {
  let out = ''
  let err = ''
  const code = await run(argv, { out: (text) => (out += text), err: (text) => (err += text), distDir })
  return { code, out, err }
}

/** A command's usage, as --help prints it. */
const usage = async (command: string) => (await cli(command, '--help')).out

describe('popin-bridge validate', () => {
  it('exits 0 for a valid config', async () => {
    expect(await cli('validate', fixture('valid/shop-full.json'))).toEqual({ code: 0, out: `${fixture('valid/shop-full.json')}: valid\n`, err: '' })
  })

  it('exits 1 and lists every problem with its JSON path', async () => {
    const file = fixture('invalid/bad-settings.json')
    const expected = readFileSync(fixture('invalid/bad-settings.txt'), 'utf8')
    expect(await cli('validate', file)).toEqual({ code: 1, out: '', err: `${file}: 8 problem(s)\n${expected}` })
  })

  it('reports malformed JSON with its line and column', async () => {
    const file = join(tmp(), 'broken.json')
    writeFileSync(file, '{\n  "debug": true,\n  "destinations": {\n    "ga4": { "measurementId": "G-ABC123", }\n  }\n}\n')
    expect(await cli('validate', file)).toEqual({ code: 1, out: '', err: `${file}: not valid JSON: Expected double-quoted property name at line 4, column 43\n` })
    // V8 names the place for some errors only (not the first here): every one gets it all the same.
    const cases: [string, string][] = [
      ['{\n  "debug": true,\n  "queueLimit": }\n', 'expected a value at line 3, column 17'],
      ['{\n  "destinations": { "ga4": [1, 2 }\n}\n', "Expected ',' or ']' after array element at line 2, column 34"],
      ['{ "debug" true }', "Expected ':' after property name at line 1, column 11"],
    ]
    for (const [text, where] of cases) {
      writeFileSync(file, text)
      expect((await cli('validate', file)).err).toBe(`${file}: not valid JSON: ${where}\n`)
    }
  })

  it('checks the relay section and rejects secrets in the config', async () => {
    const file = join(tmp(), 'bridge.json')
    writeFileSync(file, JSON.stringify({ destinations: { segment: { writeKey: 'abcdefgh12', apiSecret: 's' } }, relay: { port: 'eighty' } }))
    const result = await cli('validate', file)
    expect(result.code).toBe(1)
    expect(result.err.split('\n').slice(1, 3)).toEqual([
      'relay.port: must be a whole number from 0 to 65535',
      'destinations.segment.apiSecret: secrets come from environment variables, never from the config (POPIN_BRIDGE_META_ACCESS_TOKEN, POPIN_BRIDGE_GA4_API_SECRET, POPIN_BRIDGE_SEGMENT_WRITE_KEY, POPIN_BRIDGE_POPIN_API_KEY)',
    ])
  })

  it('says what is missing, unreadable or unknown', async () => {
    expect(await cli('validate')).toEqual({
      code: 2,
      out: '',
      err: `popin-bridge validate: name the config file, e.g. popin-bridge validate bridge.json\n\n${await usage('validate')}`,
    })
    expect((await cli('validate', '/nonexistent/bridge.json')).err).toBe('popin-bridge validate: cannot read /nonexistent/bridge.json: no such file\n')
    expect((await cli('validate', tmp())).err).toMatch(/^popin-bridge validate: cannot read .*: it is a folder\n$/)
    // No command at all is a usage mistake like the others: the usage, on standard error, exit 2.
    const none = await cli()
    expect([none.code, none.out, none.err.split('\n')[0]]).toEqual([2, '', 'popin-bridge <command> [options]'])
    expect((await cli('--help')).code).toBe(0)
    // The README's examples annotate keys with // notes: copied as they are, the comment is named.
    const commented = join(tmp(), 'bridge.json')
    writeFileSync(commented, '{\n  "debug": false // while testing\n}\n')
    expect(await cli('validate', commented)).toEqual({ code: 1, out: '', err: `${commented}: not valid JSON: a comment at line 2, column 18: JSON has none (remove the // and /* */ notes)\n` })
    for (const command of ['frobnicate', 'toString', '__proto__']) {
      const unknown = await cli(command)
      expect([unknown.code, unknown.err.split('\n')[0]]).toEqual([2, `popin-bridge: unknown command "${command}"`])
    }
  })

  it('warns about rule keys the catalog does not know, after the verdict, and still exits 0', async () => {
    const file = join(tmp(), 'bridge.json')
    writeFileSync(file, JSON.stringify({ destinations: { ga4: { events: { popin_call_ended: { name: 'call_end' } } } } }))
    expect(await cli('validate', file)).toEqual({
      code: 0,
      out: `${file}: valid\n`,
      err: 'warning: destinations.ga4.events.popin_call_ended: not a Popin event name the catalog knows; did you mean "popin_call_end"? (rules for unknown names still apply when Popin sends them)\n',
    })
  })

  it('warns about them in an invalid config too, after its problems', async () => {
    const file = join(tmp(), 'bridge.json')
    writeFileSync(file, JSON.stringify({ debug: 'yes', destinations: { segment: { events: { checkout: true } } } }))
    const { code, out, err } = await cli('validate', file)
    expect([code, out]).toEqual([1, ''])
    expect(err.startsWith(`${file}: 1 problem(s)\ndebug: `)).toBe(true)
    expect(err.endsWith('\nwarning: destinations.segment.events.checkout: not a Popin event name the catalog knows (rules for unknown names still apply when Popin sends them)\n')).toBe(true)
  })
})

// Each build minifies the runtime with terser: about a second here, more on a busy machine.
describe('popin-bridge build', { timeout: 30_000 }, () => {
  const config = { destinations: { facebookPixel: { pixelId: '1234567890' }, ga4: { measurementId: 'G-ABC1234' } } }
  const configFile = (value: unknown = config) => {
    const file = join(tmp(), 'bridge.json')
    writeFileSync(file, JSON.stringify(value))
    return file
  }
  /** A happy-dom page with recording vendors, the tag evaluated in it. */
  const run = (tag: string, url = 'https://shop.example/') => {
    const win = page({ url, settings: { enableJavaScriptEvaluation: true, suppressInsecureJavaScriptEnvironmentWarning: true } }) as any
    vi.spyOn(win.crypto, 'getRandomValues').mockImplementation((array: any) => array.fill(0))
    win.document.write('<!doctype html><html><head></head><body></body></html>')
    const calls: unknown[][] = []
    win.fbq = (...args: unknown[]) => calls.push(['fbq', ...args])
    win.gtag = (...args: unknown[]) => calls.push(['gtag', ...args])
    win.eval(tag)
    return { win, calls }
  }

  it('prints a tag that routes Popin events to the vendors on the page, as the config says', async () => {
    const { code, out, err } = await cli('build', configFile())
    expect([code, err]).toEqual([0, ''])
    expect(out.startsWith('//# allFunctionsCalledOnLoad\n/* popin-bridge ')).toBe(true)
    const { win, calls } = run(out)
    win.popinEvent('popin_call_end', { uid: 'u-1', callId: 'c-1', invited: false })
    expect(calls).toEqual([
      ['fbq', 'init', '1234567890'],
      ['gtag', 'config', 'G-ABC1234', { send_page_view: false }],
      ['fbq', 'trackSingle', '1234567890', 'Contact', { content_name: 'Popin video call', call_id: 'c-1' }, { eventID: 'popin_call_end.00.0' }],
      ['gtag', 'event', 'popin_call_end', { call_id: 'c-1', invited: false, popin_uid: 'u-1', send_to: 'G-ABC1234' }],
    ])
    expect(win.dataLayer).toEqual([{ popin: null }, { event: 'popin.popin_call_end', popin: { uid: 'u-1', callId: 'c-1', invited: false }, popin_event_id: 'popin_call_end.00.0' }])
    expect(win.PopinBridge.version).toBe(JSON.parse(readFileSync(join(__dirname, '../package.json'), 'utf8')).version)
  })

  it('--out writes the tag and prints its size; the same bytes as on standard output', async () => {
    const out = join(tmp(), 'tag.js')
    const result = await cli('build', configFile(), '--out', out)
    const tag = readFileSync(out, 'utf8')
    expect(result).toEqual({ code: 0, out: `wrote ${out}: ${tag.length} B, ${gzipSync(tag, { level: 9 }).length} B min+gzip; place it after the Popin snippet\n`, err: '' })
    expect(tag).toBe((await cli('build', configFile())).out)
  })

  it('says why it cannot write --out, and exits 1', async () => {
    const out = join(tmp(), 'no-such-folder', 'tag.js')
    expect(await cli('build', configFile(), '--out', out)).toEqual({ code: 1, out: '', err: `popin-bridge build: cannot write ${out}: no such folder\n` })
  })

  it('refuses an invalid config with every problem, and writes nothing', async () => {
    const file = fixture('invalid/bad-settings.json')
    const out = join(tmp(), 'tag.js')
    const expected = readFileSync(fixture('invalid/bad-settings.txt'), 'utf8')
    expect(await cli('build', file, '--out', out)).toEqual({ code: 1, out: '', err: `${file}: 8 problem(s)\n${expected}` })
    expect(existsSync(out)).toBe(false)
  })

  it('carries only the destinations the config uses', async () => {
    const ga4Only = configFile({ extends: 'none', destinations: { ga4: { measurementId: 'G-ABC1234', events: { nudge_show: { name: 'popin_nudge_show' } } } } })
    const { out } = await cli('build', ga4Only)
    for (const other of ['fbq', 'trackSingle', 'analytics.', 'popin.screen_view', 'Lead Captured']) expect(out).not.toContain(other)
    // Without the relay channel and debug mode: no list of the catalog's events, and no check of
    // the visitor's id and the page URL, which only those two take.
    for (const unused of ['popin_permission_denied', '[0-9a-f]{24}', 'https?:']) expect(out).not.toContain(unused)
    expect((await cli('build', ga4Only, '--debug')).out).toContain('popin_permission_denied')
    const { win, calls } = run(out)
    win.popinEvent('nudge_show', { uid: 'u-1' })
    win.popinEvent('nudge_open', { uid: 'u-1' })
    expect(calls).toEqual([['gtag', 'config', 'G-ABC1234', { send_page_view: false }], ['gtag', 'event', 'popin_nudge_show', { send_to: 'G-ABC1234' }]])
    expect(win.dataLayer).toBeUndefined()
  })

  it('keeps debug mode only when asked (--debug): the trace, and the console lines', async () => {
    const plain = run((await cli('build', configFile())).out, 'https://shop.example/?popin_bridge_debug')
    plain.win.popinEvent('nudge_show', { uid: 'u-1' })
    expect(plain.win.popinBridgeTrace).toBeUndefined()
    const debug = run((await cli('build', configFile(), '--debug')).out)
    debug.win.popinEvent('nudge_show', { uid: 'u-1' })
    const trace = debug.win.popinBridgeTrace as { type: string; destination?: string; text?: string }[]
    expect(trace[0]).toMatchObject({ type: 'start', destinations: [{ name: 'facebookPixel' }, { name: 'ga4' }, { name: 'segment' }, { name: 'dataLayer' }], problems: [] })
    expect(trace.find((record) => record.destination === 'facebookPixel' && record.type === 'skipped')?.text).toBe('not sent (events.nudge_show is false)')
  })

  it('a config\'s own "debug": true keeps debug mode as --debug does', async () => {
    const { win } = run((await cli('build', configFile({ ...config, debug: true }))).out)
    win.popinEvent('nudge_show', { uid: 'u-1' })
    expect((win.popinBridgeTrace as { type: string }[]).map((record) => record.type)).toContain('skipped')
  })

  it('--gtm: ES5, no "{{" (GTM variable syntax), and the same calls', async () => {
    const templated = configFile({ destinations: { segment: { events: { nudge_show: { name: 'Nudge {{event}}' } } } } })
    const { code, out } = await cli('build', templated, '--gtm')
    expect(code).toBe(0)
    expect(() => parse(out, { ecmaVersion: 5 })).not.toThrow()
    expect(out).not.toContain('{{')
    const { win } = run(out)
    const tracked: unknown[][] = []
    win.analytics = { track: (...args: unknown[]) => tracked.push(args), identify() {}, page() {} }
    win.popinEvent('nudge_show', { uid: 'u-1' })
    await new Promise((resolve) => setTimeout(resolve, 150))
    expect(tracked).toEqual([['Nudge nudge_show', { popin_uid: 'u-1' }]])
  })
})

describe('popin-bridge snippet', { timeout: 30_000 }, () => {
  const config = { destinations: { facebookPixel: { pixelId: '1234567890' }, ga4: { measurementId: 'G-ABC1234' } }, eventId: 'popin.{{event}}.{{occurrence}}' }
  const configFile = () => {
    const file = join(tmp(), 'bridge.json')
    writeFileSync(file, JSON.stringify(config))
    return file
  }

  it('--gtm prints a Custom HTML tag whose script is ES5 and free of {{ (GTM variable syntax)', async () => {
    const { code, out } = await cli('snippet', configFile(), '--gtm')
    expect(code).toBe(0)
    expect(out.startsWith('<script>\n/* popin-bridge ')).toBe(true)
    expect(out.endsWith('</script>\n')).toBe(true)
    const script = out.slice('<script>\n'.length, -'</script>\n'.length)
    expect(() => parse(script, { ecmaVersion: 5 })).not.toThrow()
    expect(out).not.toContain('{{')
    expect(out.toLowerCase().split('</script').length).toBe(2)
  })

  it('the ES5 check is real: newer syntax is rejected by the same parser', () => {
    expect(() => parse('const a = () => 1', { ecmaVersion: 5 })).toThrow()
    expect(() => parse('var a = `x`', { ecmaVersion: 5 })).toThrow()
  })

  it('--gtm runs: the pasted tag, compiled from the config, forwards to the page vendors, templates intact', async () => {
    const { out } = await cli('snippet', configFile(), '--gtm')
    const win = page({ url: 'https://shop.example/', settings: { enableJavaScriptEvaluation: true, suppressInsecureJavaScriptEnvironmentWarning: true } }) as any
    // The random part of each occurrence id: "00" here.
    vi.spyOn(win.crypto, 'getRandomValues').mockImplementation((array: any) => array.fill(0))
    win.document.write('<!doctype html><html><head></head><body></body></html>')
    const calls: unknown[][] = []
    win.fbq = (...args: unknown[]) => calls.push(args)
    win.eval(out.slice('<script>\n'.length, -'</script>\n'.length))
    win.popinEvent('popin_call_end', { uid: 'u-1', callId: 'c-1' })
    expect(calls).toEqual([
      ['init', '1234567890'],
      ['trackSingle', '1234567890', 'Contact', { content_name: 'Popin video call', call_id: 'c-1' }, { eventID: 'popin.popin_call_end.00.0' }],
    ])
    // The config is compiled in, not read from the page.
    expect(win.popinBridgeConfig).toBeUndefined()
    // Nothing of the tag's own leaks into the page's globals (GTM shares them between tags).
    expect(['__assign', '__awaiter', '__generator', '__spreadArray'].filter((name) => name in win)).toEqual([])
  })

  it('--script prints the drop-in tag with the config in data-config', async () => {
    const { code, out } = await cli('snippet', configFile(), '--script', 'https://cdn.shop.example/popin-bridge.min.js')
    expect(code).toBe(0)
    const win = page()
    win.document.body.innerHTML = out
    const script = win.document.querySelector('script')!
    expect(script.getAttribute('src')).toBe('https://cdn.shop.example/popin-bridge.min.js')
    expect(JSON.parse(script.getAttribute('data-config')!)).toEqual(config)
  })

  it('refuses an invalid config, and asks for exactly one of --gtm or --script', async () => {
    const file = fixture('invalid/ga4-names.json')
    const result = await cli('snippet', file, '--gtm')
    expect([result.code, result.out, result.err.split('\n')[0]]).toEqual([1, '', `${file}: 6 problem(s)`])
    const choose = { code: 2, out: '', err: `popin-bridge snippet: choose one of --gtm or --script <url>\n\n${await usage('snippet')}` }
    expect(await cli('snippet', configFile())).toEqual(choose)
    expect(await cli('snippet', configFile(), '--gtm', '--script', 'https://cdn.shop.example/popin-bridge.min.js')).toEqual(choose)
  })

  it('--script needs its URL', async () => {
    const help = await usage('snippet')
    expect(await cli('snippet', configFile(), '--script')).toEqual({ code: 2, out: '', err: `popin-bridge snippet: Option '--script <value>' argument missing\n\n${help}` })
    expect(await cli('snippet', configFile(), '--script', '')).toEqual({ code: 2, out: '', err: `popin-bridge snippet: --script takes the URL of the drop-in bundle\n\n${help}` })
    expect(await cli('snippet', configFile(), '--script=')).toEqual({ code: 2, out: '', err: `popin-bridge snippet: --script takes the URL of the drop-in bundle\n\n${help}` })
    const swallowed = await cli('snippet', configFile(), '--script', '--gtm')
    expect([swallowed.code, swallowed.out, swallowed.err.split('\n')[0]]).toEqual([2, '', "popin-bridge snippet: Option '--script' argument is ambiguous."])
  })

  it('rejects unknown flags and a second config file, with the usage', async () => {
    const help = await usage('snippet')
    expect(await cli('snippet', configFile(), '--gtmm')).toEqual({
      code: 2,
      out: '',
      err: `popin-bridge snippet: unknown option --gtmm; it takes --gtm, --script, --help (a file whose name starts with "-" goes after --)\n\n${help}`,
    })
    expect(await cli('snippet', configFile(), configFile(), '--gtm')).toMatchObject({ code: 2, out: '', err: expect.stringMatching(/^popin-bridge snippet: unexpected argument ".*bridge\.json"\n\npopin-bridge snippet </) })
    expect((await cli('snippet', configFile(), '--gtm=yes')).err.split('\n')[0]).toBe("popin-bridge snippet: Option '--gtm' does not take an argument")
  })

  it('leaves $schema out, which is only for editors', async () => {
    const file = join(tmp(), 'bridge.json')
    writeFileSync(file, JSON.stringify({ $schema: './node_modules/popin-bridge/dist/config.schema.json', ...config }))
    const gtm = await cli('snippet', file, '--gtm')
    expect([gtm.code, gtm.err]).toEqual([0, ''])
    expect(gtm.out).not.toContain('config.schema.json')
    const win = page()
    win.document.body.innerHTML = (await cli('snippet', file, '--script', 'https://cdn.shop.example/popin-bridge.min.js')).out
    expect(JSON.parse(win.document.querySelector('script')!.getAttribute('data-config')!)).toEqual(config)
    const container = JSON.parse((await cli('gtm-container', file)).out)
    const html: string = container.containerVersion.tag[0].parameter.find((p: any) => p.key === 'html').value
    expect(html).toBe(gtm.out)
  })

  it('prints the warnings on standard error, the snippet on standard output', async () => {
    const file = join(tmp(), 'bridge.json')
    writeFileSync(file, JSON.stringify({ destinations: { ga4: { measurementId: 'G-ABC1234', screens: { product_cart: false } } } }))
    const warning = 'warning: destinations.ga4.screens.product_cart: not a screen id the catalog knows; did you mean "PRODUCT_CART"? (rules for unknown names still apply when Popin sends them)\n'
    const result = await cli('snippet', file, '--script', 'https://cdn.shop.example/popin-bridge.min.js')
    expect([result.code, result.err]).toEqual([0, warning])
    expect(result.out).toContain('<script src=')
    expect((await cli('gtm-container', file)).err).toBe(warning)
  })
})

describe('popin-bridge gtm-container', { timeout: 30_000 }, () => {
  it('writes an importable container: the tag on All Pages, popin.* Custom Event triggers, Data Layer Variables', async () => {
    const out = join(tmp(), 'container.json')
    const result = await cli('gtm-container', fixture('valid/only-ga4.json'), '--out', out)
    expect(result).toEqual({ code: 0, out: `wrote ${out}: import it in GTM under Admin > Import Container (choose Merge)\n`, err: '' })
    const container = JSON.parse(readFileSync(out, 'utf8'))
    expect(container.exportFormatVersion).toBe(2)
    expect(container.exportTime).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/)
    const { tag, trigger, variable } = container.containerVersion
    expect(tag).toHaveLength(1)
    expect(tag[0]).toMatchObject({ name: 'Popin Bridge', type: 'html', firingTriggerId: ['2147479553'] })
    const html = tag[0].parameter.find((p: any) => p.key === 'html').value
    expect(html).toBe((await cli('snippet', fixture('valid/only-ga4.json'), '--gtm')).out)
    expect(trigger.map((t: any) => t.customEventFilter[0].parameter[1].value)).toEqual([
      '^popin\\.',
      ...POPIN_EVENTS.map((name) => `popin.${name}`),
      'popin.screen_view',
    ])
    for (const t of trigger) expect(t.customEventFilter[0].parameter[0]).toEqual({ type: 'TEMPLATE', key: 'arg0', value: '{{_event}}' })
    expect(variable.map((v: any) => v.parameter[2].value)).toContain('popin.uid')
    expect(new Set([...trigger.map((t: any) => t.triggerId)]).size).toBe(trigger.length)
  })
})

describe('popin-bridge demo, relay and schema arguments', () => {
  it('--port needs a port number', async () => {
    const demoHelp = await usage('demo')
    expect(await cli('demo', '--port')).toEqual({ code: 2, out: '', err: `popin-bridge demo: Option '--port <value>' argument missing\n\n${demoHelp}` })
    for (const port of ['', '0x50', '1e3', '65536', '-1', ' 80']) {
      expect(await cli('demo', `--port=${port}`)).toEqual({ code: 2, out: '', err: `popin-bridge demo: --port takes a port number\n\n${demoHelp}` })
    }
    const relayHelp = await usage('relay')
    expect(await cli('relay', '--config', fixture('valid/empty.json'), '--port')).toEqual({
      code: 2,
      out: '',
      err: `popin-bridge relay: Option '--port <value>' argument missing\n\n${relayHelp}`,
    })
    expect(await cli('relay', '--config', fixture('valid/empty.json'), '--port', 'eighty')).toEqual({ code: 2, out: '', err: `popin-bridge relay: --port takes a port number\n\n${relayHelp}` })
  })

  it('passes the options on, and takes only "replay" as an argument of relay', async () => {
    let started: unknown
    const io = {
      out() {},
      err() {},
      distDir,
      async startDemo(options: unknown) {
        started = options
        return 'http://127.0.0.1:1'
      },
    }
    expect(await run(['demo'], io)).toBe(0)
    expect(started).toEqual({ port: 8080, host: '127.0.0.1' })
    expect(await run(['demo', '--port', '0', '--host', '::1'], io)).toBe(0)
    expect(started).toEqual({ port: 0, host: '::1' })
    const replayed: unknown[] = []
    const relayIo = {
      out() {},
      err() {},
      distDir,
      async replayDeadLetters(_config: unknown, overrides: unknown) {
        replayed.push(overrides)
        return 3
      },
    }
    expect(await run(['relay', 'replay', '--config', fixture('valid/empty.json'), '--database', 'x.db', '--port', '8787'], relayIo)).toBe(0)
    expect(replayed).toEqual([{ database: 'x.db', port: 8787 }])
    expect(await cli('relay', 'replya', '--config', fixture('valid/empty.json'))).toEqual({
      code: 2,
      out: '',
      err: `popin-bridge relay: unexpected argument "replya"\n\n${await usage('relay')}`,
    })
    expect(await cli('relay', 'replay', 'now', '--config', fixture('valid/empty.json'))).toMatchObject({ code: 2, err: expect.stringMatching(/^popin-bridge relay: unexpected argument "now"\n/) })
  })

  it('relay forget erases one visitor by email, phone or uid (the built CLI, on a real SQLite file), and takes exactly one of them', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'popin-forget-'))
    try {
      const database = join(folder, 'relay.db')
      const { openSqliteStore } = await import('../src/relay/store-sqlite')
      const { forgetLookups } = await import('../src/relay/visits')
      const store = openSqliteStore(database)
      await store.remember([{ lookups: forgetLookups({ email: 'ada@example.com', uid: 'u-1' }), keys: { fbp: 'fb.1.1764590000000.1234567890' } }], Date.now())
      await store.close()
      const config = join(folder, 'bridge.json')
      writeFileSync(config, JSON.stringify({ relay: { database } }))
      const forget = (...flags: string[]) => spawnSync(process.execPath, [join(distDir, 'cli.js'), 'relay', 'forget', '--config', config, ...flags], { encoding: 'utf8' })
      expect(forget('--email', 'ADA@example.com')).toMatchObject({ status: 0, stdout: 'erased 1 visit key(s)\n' })
      expect(forget('--email', 'ada@example.com')).toMatchObject({ status: 0, stdout: 'erased 0 visit key(s)\n' })
      expect(forget('--uid', 'u-1')).toMatchObject({ status: 0, stdout: 'erased 1 visit key(s)\n' })
    } finally {
      rmSync(folder, { recursive: true, force: true })
    }
    const relayHelp = await usage('relay')
    const empty = fixture('valid/empty.json')
    expect(await cli('relay', 'forget', '--config', empty)).toEqual({ code: 2, out: '', err: `popin-bridge relay: forget takes one of --email, --phone or --uid\n\n${relayHelp}` })
    expect(await cli('relay', 'forget', '--config', empty, '--email', 'a@b.c', '--uid', 'u-1')).toMatchObject({ code: 2, err: expect.stringMatching(/^popin-bridge relay: forget takes one of --email, --phone or --uid\n/) })
    expect(await cli('relay', '--config', empty, '--email', 'a@b.c')).toMatchObject({ code: 2, err: expect.stringMatching(/^popin-bridge relay: --email, --phone and --uid are for relay forget\n/) })
  })

  it('rejects arguments where a command takes none, and flags of another command', async () => {
    expect(await cli('schema', 'bridge.json')).toEqual({ code: 2, out: '', err: `popin-bridge schema: unexpected argument "bridge.json"\n\n${await usage('schema')}` })
    expect(await cli('validate', fixture('valid/empty.json'), '--gtm')).toMatchObject({ code: 2, out: '', err: expect.stringMatching(/^popin-bridge validate: unknown option --gtm; it takes --help \(a file whose name starts with "-" goes after --\)\n/) })
    expect(await cli('demo', '--config', 'bridge.json')).toMatchObject({ code: 2, out: '', err: expect.stringMatching(/^popin-bridge demo: unknown option --config; it takes --port, --host, --help \(a file whose name starts with "-" goes after --\)\n/) })
  })

  it('-h is --help, for every command', async () => {
    for (const command of ['validate', 'snippet', 'gtm-container', 'demo', 'relay', 'schema']) {
      const help = await cli(command, '-h')
      expect([help.code, help.err, help.out.startsWith(`popin-bridge ${command}`)]).toEqual([0, '', true])
    }
  })
})

describe('the built CLI', () => {
  it('runs as a program, with the exit codes of validate', () => {
    expect(execFileSync(process.execPath, [bin, 'validate', fixture('valid/empty.json')], { encoding: 'utf8' })).toBe(`${fixture('valid/empty.json')}: valid\n`)
    const failed = spawnSync(process.execPath, [bin, 'validate', fixture('invalid/not-an-object.json')], { encoding: 'utf8' })
    expect([failed.status, failed.stderr]).toEqual([1, `${fixture('invalid/not-an-object.json')}: 1 problem(s)\nconfig: must be a JSON object\n`])
  })

  it('prints the JSON Schema that ships as popin-bridge/schema.json', () => {
    const printed = JSON.parse(execFileSync(process.execPath, [bin, 'schema'], { encoding: 'utf8' }))
    expect(printed).toEqual(JSON.parse(readFileSync(join(distDir, 'config.schema.json'), 'utf8')))
    expect(printed.title).toBe('popin-bridge config')
  })

  it('prints help with --help, for the program and for every command', () => {
    const help = (...argv: string[]) => spawnSync(process.execPath, [bin, ...argv], { encoding: 'utf8' })
    expect(help('--help').stdout).toMatch(/^popin-bridge <command> \[options\]/)
    for (const command of ['validate', 'snippet', 'gtm-container', 'demo', 'schema']) {
      const result = help(command, '--help')
      expect(result.status).toBe(0)
      expect(result.stdout.startsWith(`popin-bridge ${command}`)).toBe(true)
    }
  })
})
