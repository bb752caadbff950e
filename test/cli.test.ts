import { execFileSync, spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parse } from 'acorn'
import { Window } from 'happy-dom'
import { describe, expect, it } from 'vitest'
import { run } from '../src/cli/index'
import { POPIN_EVENTS } from '../src/events/catalog'

const fixture = (path: string) => join(__dirname, 'fixtures/configs', path)
const distDir = join(__dirname, '../dist')
const bin = join(distDir, 'cli.js')
const tmp = () => mkdtempSync(join(tmpdir(), 'popin-bridge-'))

async function cli(...argv: string[]) {
  let out = ''
  let err = ''
  const code = await run(argv, { out: (text) => (out += text), err: (text) => (err += text), distDir })
  return { code, out, err }
}

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
  })

  it('checks the relay section and rejects secrets in the config', async () => {
    const file = join(tmp(), 'bridge.json')
    writeFileSync(file, JSON.stringify({ destinations: { segment: { writeKey: 'abcdefgh12', apiSecret: 's' } }, relay: { port: 'eighty' } }))
    const result = await cli('validate', file)
    expect(result.code).toBe(1)
    expect(result.err.split('\n').slice(1, 3)).toEqual([
      'destinations.segment.apiSecret: secrets come from environment variables, never from the config (POPIN_BRIDGE_META_ACCESS_TOKEN, POPIN_BRIDGE_GA4_API_SECRET, POPIN_BRIDGE_SEGMENT_WRITE_KEY, POPIN_BRIDGE_POPIN_API_KEY)',
      'relay.port: must be a whole number from 0 to 65535',
    ])
  })

  it('says what is missing, unreadable or unknown', async () => {
    expect(await cli('validate')).toEqual({ code: 2, out: '', err: 'popin-bridge validate: name the config file, e.g. popin-bridge validate bridge.json\n' })
    expect((await cli('validate', '/nonexistent/bridge.json')).err).toBe('popin-bridge validate: cannot read /nonexistent/bridge.json: ENOENT\n')
    const unknown = await cli('frobnicate')
    expect([unknown.code, unknown.err.split('\n')[0]]).toEqual([2, 'popin-bridge: unknown command "frobnicate"'])
  })
})

describe('popin-bridge snippet', () => {
  const config = { destinations: { facebookPixel: { pixelId: '1234567890' }, ga4: { measurementId: 'G-ABC1234' } }, eventId: '{{name}}.{{uid}}' }
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

  it('--gtm runs: the pasted tag forwards to the page vendors with the inlined config, templates intact', async () => {
    const { out } = await cli('snippet', configFile(), '--gtm')
    const win = new Window({ url: 'https://shop.example/', settings: { enableJavaScriptEvaluation: true, suppressInsecureJavaScriptEnvironmentWarning: true } }) as any
    win.document.write('<!doctype html><html><head></head><body></body></html>')
    const calls: unknown[][] = []
    win.fbq = (...args: unknown[]) => calls.push(args)
    win.eval(out.slice('<script>\n'.length, -'</script>\n'.length))
    win.popinEvent('popin_call_end', { uid: 'u-1', callId: 'c-1' })
    expect(calls).toEqual([
      ['init', '1234567890'],
      ['trackSingle', '1234567890', 'Contact', { content_name: 'Popin video call', call_id: 'c-1' }, { eventID: 'Contact.u-1' }],
    ])
    expect(win.popinBridgeConfig).toEqual(config)
  })

  it('--script prints the drop-in tag with the config in data-config', async () => {
    const { code, out } = await cli('snippet', configFile(), '--script', 'https://cdn.shop.example/popin-bridge.min.js')
    expect(code).toBe(0)
    const win = new Window()
    win.document.body.innerHTML = out
    const script = win.document.querySelector('script')!
    expect(script.getAttribute('src')).toBe('https://cdn.shop.example/popin-bridge.min.js')
    expect(JSON.parse(script.getAttribute('data-config')!)).toEqual(config)
  })

  it('refuses an invalid config, and asks for exactly one of --gtm or --script', async () => {
    const file = fixture('invalid/ga4-names.json')
    const result = await cli('snippet', file, '--gtm')
    expect([result.code, result.out, result.err.split('\n')[0]]).toEqual([1, '', `${file}: 6 problem(s)`])
    expect(await cli('snippet', configFile())).toEqual({ code: 2, out: '', err: 'popin-bridge snippet: choose one of --gtm or --script <url>\n' })
  })
})

describe('popin-bridge gtm-container', () => {
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
