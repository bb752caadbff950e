import * as v from 'valibot'
import { PROTOTYPE_KEYS } from '../lib/prototype-keys'
import type { Problem } from './problem'
import { typeOf } from './schema'

export { formatProblems, type Problem } from './problem'

/**
 * The schema's issues as problems a person can act on, each with its JSON path. For a union
 * (a rule is `true`, `false`, an object or a list) the issues of the branch the value was
 * meant for are kept, not one "wrong type" line per branch.
 */
export function problemsOf(issues: readonly v.BaseIssue<unknown>[], base = ''): Problem[] {
  const problems: Problem[] = []
  const add = (issue: v.BaseIssue<unknown>, prefix: string) => {
    const path = [prefix, v.getDotPath(issue)].filter(Boolean).join('.')
    // A union's own issues hold paths from the union down.
    if (issue.type === 'union' && issue.issues) {
      const deeper = issue.issues.filter((sub) => (sub.path?.length ?? 0) > 0 || sub.kind !== 'schema')
      if (deeper.length) return deeper.forEach((sub) => add(sub, path))
    }
    const message = issue.kind === 'schema' && issue.message.startsWith('Invalid ') ? `must be ${typeWord(issue.expected)}, not ${typeOf(issue.input)}` : issue.message
    const at = path || 'config'
    if (!problems.some((p) => p.path === at && p.message === message)) problems.push({ path: at, message })
  }
  for (const issue of issues) add(issue, base)
  return problems
}

const TYPE_WORDS: Record<string, string> = { string: 'a string', number: 'a number', boolean: 'true or false', Object: 'an object', Array: 'a list', null: 'null' }
const typeWord = (expected: string | null) => (expected ?? '').split(' | ').map((t) => TYPE_WORDS[t] ?? t).join(' or ')


/**
 * `__proto__`, `constructor` and `prototype` are no key of the config: schema validators skip
 * them (so would a merge), and the JSON Schema forbids them too, so both say the same.
 */
export function prototypeKeyProblems(value: unknown, path: string[] = []): Problem[] {
  if (value === null || typeof value !== 'object') return []
  const problems: Problem[] = []
  for (const key of Object.keys(value)) {
    const at = [...path, key]
    if (PROTOTYPE_KEYS.includes(key)) problems.push({ path: at.join('.'), message: `"${key}" cannot be a key here` })
    else problems.push(...prototypeKeyProblems((value as Record<string, unknown>)[key], at))
  }
  return problems
}
