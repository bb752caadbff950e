/**
 * One character as JSON Schema counts them (a code point), in a pattern: a surrogate pair is one.
 * Patterns run without the `u` flag here and with it in ajv; this counts the same in both.
 */
export const CHAR = '(?:[\\uD800-\\uDBFF][\\uDC00-\\uDFFF]|[\\s\\S])'
