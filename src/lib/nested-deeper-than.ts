/**
 * Whether a parsed JSON value nests arrays and objects more than `limit` levels deep (`{}` is one
 * level). Iterative, so checking a 100,000-level value cannot overflow the stack.
 */
export function nestedDeeperThan(value: unknown, limit: number): boolean {
  const stack: [unknown, number][] = [[value, 1]]
  for (let top = stack.pop(); top; top = stack.pop()) {
    const [item, depth] = top
    if (item === null || typeof item !== 'object') continue
    if (depth > limit) return true
    for (const child of Object.values(item)) stack.push([child, depth + 1])
  }
  return false
}
