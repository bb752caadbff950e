/** What the visitor decided, per category; a missing category means no decision yet. */
export interface ConsentState {
  analytics?: boolean
  ads?: boolean
}

export type ConsentCategory = 'analytics' | 'ads' | 'none'

export const CONSENT_CATEGORIES: readonly ConsentCategory[] = ['analytics', 'ads', 'none']
export const CONSENT_SOURCES = ['tcf', 'google'] as const

/**
 * true: may send; false: must not; undefined: wait for a decision. A decision the page reported
 * holds even where consent is not required: the vendor was told, so nothing may contradict it.
 */
export function consentFor(category: ConsentCategory, state: ConsentState, required: boolean): boolean | undefined {
  if (category === 'none') return true
  const decided = state[category]
  return decided ?? (required ? undefined : true)
}

/** Keeps only the categories a caller actually decided, as booleans. */
export function consentUpdate(input: unknown): ConsentState {
  const update: ConsentState = {}
  if (input && typeof input === 'object') {
    for (const key of ['analytics', 'ads'] as const) {
      const value = (input as Record<string, unknown>)[key]
      if (typeof value === 'boolean') update[key] = value
    }
  }
  return update
}
