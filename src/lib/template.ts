const VARIABLE = /\{\{\s*([\w.]+)\s*\}\}/g

/** A template split into text and variables: even slots hold text, odd slots variable names. */
export function splitTemplate(template: string): string[] {
  return template.split(VARIABLE)
}
