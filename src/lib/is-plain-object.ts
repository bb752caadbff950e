// Read once, as in has-own.ts.
const { getPrototypeOf, prototype: objectPrototype } = Object
const { isArray } = Array

/** True for `{}`-style objects (including `Object.create(null)`), false for arrays, null and class instances. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || isArray(value)) return false
  const proto = getPrototypeOf(value)
  // Another realm's Object.prototype (an iframe, a vm) has a null prototype too.
  return proto === null || proto === objectPrototype || getPrototypeOf(proto) === null
}
