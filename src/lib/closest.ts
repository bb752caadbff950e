/**
 * The candidate nearest to `word`, if at most `maxDistance` edits away; ties go to the earlier
 * candidate. Case is ignored: a wrong case (`product_cart`) is the likeliest slip in an id.
 */
export function closest(word: string, candidates: readonly string[], maxDistance: number): string | undefined {
  const lower = word.toLowerCase()
  let best: string | undefined
  // What a candidate must beat: distances are whole numbers, `maxDistance` need not be.
  let bestDistance = Math.floor(maxDistance) + 1
  for (const candidate of candidates) {
    const other = candidate.toLowerCase()
    // At least the length difference apart: a long word costs nothing.
    if (Math.abs(other.length - lower.length) >= bestDistance) continue
    const distance = editDistance(lower, other)
    if (distance < bestDistance) {
      best = candidate
      bestDistance = distance
    }
  }
  return best
}

/**
 * Damerau-Levenshtein distance (optimal string alignment): insertions, deletions, substitutions,
 * and swaps of two neighbours (`nduge_show`), one edit each.
 */
function editDistance(a: string, b: string): number {
  // Three rows of the matrix: the one before the previous row is for swaps.
  let before: number[] = []
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1)
      let distance = Math.min((previous[j] as number) + 1, (current[j - 1] as number) + 1, substitution)
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) distance = Math.min(distance, (before[j - 2] as number) + 1)
      current[j] = distance
    }
    before = previous
    previous = current
  }
  return previous[b.length] as number
}
