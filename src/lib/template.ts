const VARIABLE = /\{\{\s*([\w.]+)\s*\}\}/g

/** A template split into text and variables: even slots hold text, odd slots variable names. */
export function splitTemplate(template: string): string[] {
  return template.split(VARIABLE)
}

/** The variable names a template refers to, e.g. `["event", "occurrence"]`. */
export function templateVariables(template: string): string[] {
  return splitTemplate(template).filter((_, i) => i % 2 === 1)
}
