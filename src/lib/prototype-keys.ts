/** Keys that reach an object's prototype: no payload or config may hold one. */
export const PROTOTYPE_KEYS: readonly string[] = ['__proto__', 'constructor', 'prototype']
