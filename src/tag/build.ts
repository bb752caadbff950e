import { tokenizer } from 'acorn'
import { minify } from 'terser'
import { version } from '../../package.json'
import { namesDecidedInPage } from '../../adapters/facebook-pixel/standard-events'
import { rulesMayRenderReservedEvents, rulesNeedNameFixes } from '../../adapters/ga4/limits'
import { pageAdapters } from '../../adapters/index'
import type { Problem } from '../config/problem'
import { checkConfig, resolve } from '../plan/compile'
import type { DestinationSource, PlanSource } from '../plan/plan'
import { relaySchemaFor } from '../relay/adapters'
import { destinationRules, tagNeeds } from './needs'
import { planCode } from './plan-code'

export interface TagOptions {
  /** The runtime the tag is cut from: dist/tag-runtime.js, or dist/tag-runtime.es5.js for `gtm`. */
  runtime: string
  /** Strings safe in a GTM Custom HTML tag (no `{{`), which GTM would read as a variable. */
  gtm?: boolean
  /** Keep debug mode: the trace, console lines, the overlay for `?popin_bridge_debug`. */
  debug?: boolean
}

/**
 * V8's explicit compile hint (Chrome 136 and later; a comment to other engines; it must come
 * before any code): every function is compiled at once, while the script loads, on a background
 * thread when it streams, rather than each on the main thread when first called, after a
 * pre-parse. Nearly all of a tag runs at start. Main-thread script time of the preset tag loaded
 * by `<script src>` in Chromium 156: 5.1 -> 1.4 ms (medians of 21 loads; `npm run bench` measures
 * it). A script inline in the page (GTM's Custom HTML) does not stream, and Chromium does not pass
 * it the hint: no gain there, no cost. The drop-ins carry it too (rollup.config.mjs).
 */
export const COMPILE_HINT = '//# allFunctionsCalledOnLoad\n'

export type TagResult = { code: string; problems: [] } | { code?: undefined; problems: Problem[] }

/**
 * Compiles a config into a tag: its plan as code (src/tag/plan-code.ts) and only the runtime it
 * uses (its destinations; consent following, hashing, the relay channel and debug mode only when
 * the config asks; the readers, policy shapes and naming rules its rules need, src/tag/needs.ts),
 * in ES2020, or ES5 for `gtm`. An invalid config gives every problem and no tag.
 */
export async function buildTag(config: unknown, { runtime, gtm = false, debug = false }: TagOptions): Promise<TagResult> {
  const problems = checkConfig(config, pageAdapters, relaySchemaFor())
  if (problems.length) return { problems }
  const source = resolve(config, [], { adapters: pageAdapters, side: 'browser' })
  // The config's own `"debug": true` asks for it as much as `--debug` does.
  const debugs = debug || source.debug
  const plan = tagPlan(source, debugs)
  const { body, locals } = withoutExports(runtime)
  const local = (name: string) => locals.get(name) ?? missing(name)
  const adapters = plan.destinations.map((d) => local(d.name))
  const hashes = plan.destinations.some((d) => d.personal === 'hash' || d.matchKeys)
  // The relay channel and the trace take an occurrence's visitor, page and id (CONTEXT in src/lib/tag-features.ts).
  const context = debugs || plan.relayUrl !== undefined
  // Ids go there too, and where a destination's calls carry them.
  const carried = context || plan.destinations.some((d) => pageAdapters.find((a) => a.name === d.name)?.eventIds)
  const needs = tagNeeds(plan, carried, context)
  const rulesOf = (name: string) => plan.destinations.filter((d) => d.name === name).flatMap(destinationRules)
  const { code } = await minify(`(function(){${body}})();`, {
    ecma: gtm ? 5 : 2020,
    compress: {
      passes: 3,
      pure_getters: true,
      // As the drop-ins are built (TERSER_OPTIONS); ES5 has no arrows.
      unsafe_arrows: !gtm,
      // A memo nothing calls goes (src/lib/memo.ts makes a closure, nothing else).
      pure_funcs: ['defineAdapter', 'memo'],
      global_defs: {
        '@__TAG_PLAN__': planCode(plan, pageAdapters, local, needs.ids),
        '@__TAG_ADAPTERS__': `[${adapters.join(',')}]`,
        __TAG_TCF__: plan.consent.follow === 'tcf',
        __TAG_GOOGLE_CONSENT__: plan.consent.follow === 'google',
        __TAG_HASH__: hashes,
        __TAG_RELAY__: plan.relayUrl !== undefined,
        __TAG_DEBUG__: debugs,
        __TAG_LOAD__: false,
        __TAG_IDS__: needs.ids,
        '@__TAG_SHAPES__': JSON.stringify(needs.shapes),
        '@__TAG_READERS__': JSON.stringify(needs.readers),
        '@__TAG_FIELDS__': needs.fields ? JSON.stringify(needs.fields) : 'void 0',
        __TAG_GA4_NAMES__: rulesNeedNameFixes(rulesOf('ga4')),
        __TAG_GA4_RESERVED__: rulesMayRenderReservedEvents(rulesOf('ga4')),
        __TAG_FB_NAMES__: namesDecidedInPage(rulesOf('facebookPixel')),
      },
    },
    // Debug mode hands its records to the debugger overlay, another script: names stay as they are.
    mangle: debugs ? true : { properties: { regex: INTERNAL_NAMES } },
    format: { comments: false },
  })
  const banner = `/* popin-bridge ${version}, compiled tag: npx popin-bridge build */\n`
  return { code: COMPILE_HINT + banner + (gtm ? gtmSafe(code as string) : (code as string)) + '\n', problems: [] }
}

/**
 * Property names only the tag's own code reads, shortened like local names: the plan's tables and
 * policies, the adapters' hooks, the destinations' queue. None crosses to another script (the page,
 * the vendors, the relay channel from `<relayUrl>/e.js`, a second copy of the bridge reading
 * `__popinBridgeHook`, the debugger overlay) nor is in the public API.
 */
const INTERNAL_NAMES = new RegExp(
  `^(?:${[
    ...['sections', 'rules', 'fallback', 'explicit', 'policy', 'personal', 'payload', 'dropped', 'fields', 'readyTimeoutMs', 'deliver'],
    ...['vendorGlobal', 'idSetting', 'personalData', 'consentCategory', 'defaultCall', 'findOnPage', 'setupCalls', 'consentCalls', 'loadSignalsConsent', 'prepare', 'vendorCalls', 'invoke'],
  ].join('|')})$`,
)

/**
 * The plan as the tag carries it: what the page never reads is left out (webhook rules, rule
 * sections inside settings) and, unless it debugs, the reasons a rule sends nothing.
 */
function tagPlan(source: PlanSource, debug: boolean): PlanSource {
  const destinations = source.destinations.map((destination): DestinationSource => {
    const { events: _e, screens: _s, webhooks: _w, enabled: _on, ...settings } = destination.settings
    const table = (key: 'events' | 'screens') => {
      const { rules, fallback } = destination.sections[key]
      const calls = (found: string | unknown[]) => (typeof found === 'string' && !debug ? '' : found)
      return { rules: rules.map(([k, found]) => [k, calls(found)]), fallback: calls(fallback) } as DestinationSource['sections']['events']
    }
    return { ...destination, settings, sections: { events: table('events'), screens: table('screens'), webhooks: { rules: [], fallback: '' } } }
  })
  return { ...source, debug: source.debug || debug, destinations }
}

function missing(name: string): never {
  throw new Error(`dist/tag-runtime.js does not export "${name}": rebuild it with npm run build`)
}

/** The runtime's code without its `export { … }`, and each exported name's local name. */
function withoutExports(runtime: string): { body: string; locals: Map<string, string> } {
  const match = /;?\s*export\s*\{([^}]*)\};?\s*$/.exec(runtime)
  if (!match) throw new Error('dist/tag-runtime.js has no export list: rebuild it with npm run build')
  const locals = new Map<string, string>()
  for (const item of match[1]!.split(',')) {
    const [local, exported = local] = item.trim().split(/\s+as\s+/)
    if (local) locals.set(exported!, local)
  }
  return { body: runtime.slice(0, match.index) + ';', locals }
}

/**
 * GTM reads `{{Name}}` in a Custom HTML tag as a variable reference and refuses unknown names:
 * `{{` inside string literals becomes `{\x7b` (the same string at run time), `</script` is split.
 */
function gtmSafe(code: string): string {
  let out = ''
  let last = 0
  for (const token of tokenizer(code, { ecmaVersion: 5 })) {
    if (token.type.label !== 'string') continue
    const raw = code.slice(token.start, token.end)
    out += code.slice(last, token.start) + raw.replace(/\{\{/g, '{\\x7b').replace(/<\/script/gi, '<\\/script')
    last = token.end
  }
  out += code.slice(last)
  if (out.includes('{{') || /<\/script/i.test(out)) throw new Error('"{{" or "</script" left in the GTM tag')
  return out
}
