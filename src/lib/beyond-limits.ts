/**
 * Whether a value nests deeper than `depth` levels (`{}` is one), or holds more than `values`
 * values, counting each path to a shared child as a JSON copy would. One walk, without recursion,
 * that stops at the first limit it passes: a 100,000-level value, or a small object that shares
 * its children level after level, costs no more than a value at the limits.
 */
export function beyondLimits(value: unknown, limits: { depth: number; values: number }): 'depth' | 'values' | undefined {
  const stack: [unknown, number][] = [[value, 1]]
  for (let count = 1; stack.length; count++) {
    if (count > limits.values) return 'values'
    const [item, level] = stack.pop()!
    if (item === null || typeof item !== 'object') continue
    if (level > limits.depth) return 'depth'
    for (const child of Object.values(item)) stack.push([child, level + 1])
  }
  return undefined
}
