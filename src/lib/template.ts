const VARIABLE = /\{\{\s*([\w.]+)\s*\}\}/g

/**
 * A template split into text and variables: even slots hold text, odd slots variable names.
 * Most names are text only: no regular expression runs for them (lite splits every rule's name
 * while the page loads).
 */
export function splitTemplate(template: string): string[] {
  return template.includes('{{') ? template.split(VARIABLE) : [template]
}
