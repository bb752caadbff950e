// Read once: in a vm context (happy-dom, jsdom) every global lookup is an interceptor call.
const { hasOwnProperty } = Object.prototype

/** Whether `key` is the object's own (not inherited: `"toString"` is not a rule). */
export function hasOwn(object: object, key: string): boolean {
  return hasOwnProperty.call(object, key)
}
