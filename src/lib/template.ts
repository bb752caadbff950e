const VARIABLE = /\{\{\s*([\w.]+)\s*\}\}/g

/** A template split once into text and variable parts: even slots hold text, odd slots variables. */
type Compiled = string[]
const compiled = new Map<string, Compiled>()
const MAX_CACHED = 500

function compile(template: string): Compiled {
  let parts = compiled.get(template)
  if (parts) return parts
  parts = template.split(VARIABLE)
  // Templates come from the config: a bounded set, except in a hostile page.
  if (compiled.size < MAX_CACHED) compiled.set(template, parts)
  return parts
}

const NONE: readonly string[] = []

/** The variable names a template refers to, e.g. `["name", "uid"]` for `"{{name}}.{{uid}}"`. */
export function templateVariables(template: string): string[] {
  return compile(template).filter((_, i) => i % 2 === 1)
}

/**
 * Fills `{{variable}}` slots from `lookup`. Variables with no value render empty and are listed
 * in `missing`, so a caller can tell a complete result from a partial one.
 */
export function renderTemplate(template: string, lookup: (variable: string) => unknown): { text: string; missing: readonly string[] } {
  const parts = compile(template)
  if (parts.length === 1) return { text: template, missing: NONE }
  const missing: string[] = []
  let text = parts[0] as string
  for (let i = 1; i < parts.length; i += 2) {
    const variable = parts[i] as string
    const value = lookup(variable)
    if (value === undefined || value === null || value === '' || typeof value === 'object') missing.push(variable)
    else text += String(value)
    text += parts[i + 1] as string
  }
  return { text, missing }
}
