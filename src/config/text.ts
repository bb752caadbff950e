import * as v from 'valibot'

/** A string checked by one pattern, with the message a person reads when it fails. */
export const text = (pattern: RegExp, message: string) => v.pipe(v.string(), v.regex(pattern, message))

/** A string that must pass every pattern (the JSON Schema holds one `pattern` per schema: `allOf`). */
export const textAll = (...checks: [RegExp, string][]) => v.intersect(checks.map(([pattern, message]) => text(pattern, message)))

export const nonEmpty = (message = 'must be a non-empty string') => v.pipe(v.string(), v.minLength(1, message))

export const integer = (min: number, max: number) => {
  const message = `must be a whole number from ${min} to ${max}`
  return v.pipe(v.number(message), v.integer(message), v.minValue(min, message), v.maxValue(max, message))
}

export const oneOf = <const T extends readonly string[]>(values: T) => v.picklist(values, `must be one of ${quoteList(values)}`)

export const quoteList = (values: readonly string[]) => values.map((value) => `"${value}"`).join(', ')

/** Alternation of literal words for a pattern, e.g. `(?:name|email)`. */
export const words = (values: Iterable<string>) => `(?:${[...values].map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')})`

/**
 * One pattern for all checks, for a record's keys (the JSON Schema's `propertyNames` takes one
 * pattern): each check becomes a lookahead; the message names the first check that fails.
 */
export const keyText = (...checks: [RegExp, string][]) =>
  v.pipe(
    v.string(),
    v.regex(new RegExp(checks.map(([pattern]) => `(?=${pattern.source})`).join('')), (issue) => checks.find(([pattern]) => !pattern.test(String(issue.input)))?.[1] ?? 'is not a valid name'),
  )
