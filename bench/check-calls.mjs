/**
 * Whether a batch did the work it is timed for: each vendor got exactly `sessions` times the
 * calls one session must make (`expected`; a vendor not listed, none). Returns the problems, if any.
 *
 * @example callProblems({ fbq: 10, gtag: 19 }, { fbq: 1, gtag: 2 }, 10) // ['gtag: 19 calls, expected 20']
 * @param {Record<string, number>} counted calls per vendor, as the page's stubs counted them
 * @param {Record<string, number>} expected calls per vendor in one session
 * @param {number} sessions
 * @returns {string[]}
 */
export function callProblems(counted, expected, sessions) {
  const problems = []
  for (const vendor of new Set([...Object.keys(expected), ...Object.keys(counted)])) {
    const want = (expected[vendor] ?? 0) * sessions
    const got = counted[vendor] ?? 0
    if (got !== want) problems.push(`${vendor}: ${got} calls, expected ${want}`)
  }
  return problems
}
