const VARIABLE = /\{\{\s*([\w.]+)\s*\}\}/g

/** The variable names a template refers to, e.g. `["name", "uid"]` for `"{{name}}.{{uid}}"`. */
export function templateVariables(template: string): string[] {
  return Array.from(template.matchAll(VARIABLE), (match) => match[1] as string)
}

/**
 * Fills `{{variable}}` slots from `lookup`. Variables with no value render empty and are listed
 * in `missing`, so a caller can tell a complete result from a partial one.
 */
export function renderTemplate(
  template: string,
  lookup: (variable: string) => unknown,
): { text: string; missing: string[] } {
  const missing: string[] = []
  const text = template.replace(VARIABLE, (_, variable: string) => {
    const value = lookup(variable)
    if (value === undefined || value === null || value === '' || typeof value === 'object') {
      missing.push(variable)
      return ''
    }
    return String(value)
  })
  return { text, missing }
}
