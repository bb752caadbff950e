import { EVENT_ALIASES, POPIN_EVENTS, SCREEN_IDS, WEBHOOK_EVENTS } from '../events/catalog'
import { closest } from '../lib/closest'
import { isPlainObject } from '../lib/is-plain-object'

export interface ConfigWarning {
  path: string
  message: string
}

/** Each group of rules, the names Popin's catalog knows for its keys, and what such a name is. */
const GROUPS: readonly { group: string; names: readonly string[]; kind: string }[] = [
  { group: 'events', names: [...POPIN_EVENTS, ...EVENT_ALIASES.keys()], kind: 'Popin event name' },
  { group: 'screens', names: SCREEN_IDS, kind: 'screen id' },
  { group: 'webhooks', names: WEBHOOK_EVENTS, kind: 'Popin webhook name' },
]

/**
 * Rule keys under `destinations.<name>.events`, `.screens` and `.webhooks` that the catalog does
 * not know: most likely typos, but Popin may add names, so these are warnings, not problems.
 * Reads only what the user wrote (not the preset), own keys only; never throws.
 */
export function configWarnings(config: unknown): ConfigWarning[] {
  const warnings: ConfigWarning[] = []
  const destinations = own(config, 'destinations')
  if (!isPlainObject(destinations)) return warnings
  const noPreset = own(config, 'extends') === 'none'
  for (const name of Object.keys(destinations)) {
    const section = own(destinations, name)
    // Without the preset, a destination is only its own rules: none, and it is silent.
    if (noPreset && isPlainObject(section) && own(section, 'enabled') !== false && !GROUPS.some(({ group }) => hasRules(own(section, group)))) {
      warnings.push({ path: `destinations.${name}`, message: 'has no rules, and "extends" is "none": it receives nothing' })
    }
    for (const { group, names, kind } of GROUPS) {
      const rules = own(section, group)
      if (!isPlainObject(rules)) continue
      for (const key of Object.keys(rules)) {
        if (key === '*' || names.includes(key)) continue
        const suggestion = closest(key, names, Math.max(2, key.length / 3))
        const hint = suggestion === undefined ? '' : `; did you mean "${suggestion}"?`
        warnings.push({
          path: `destinations.${name}.${group}.${key}`,
          message: `not a ${kind} the catalog knows${hint} (rules for unknown names still apply when Popin sends them)`,
        })
      }
    }
  }
  return warnings
}

function hasRules(rules: unknown): boolean {
  return isPlainObject(rules) && Object.keys(rules).length > 0
}

/** An own data property's value: inherited keys are not what the user wrote, and no getter runs (nothing throws). */
function own(value: unknown, key: string): unknown {
  return isPlainObject(value) ? Object.getOwnPropertyDescriptor(value, key)?.value : undefined
}
