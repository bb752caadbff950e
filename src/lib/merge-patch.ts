import { isPlainObject } from './is-plain-object'

/**
 * JSON Merge Patch (RFC 7386): objects merge key by key, `null` deletes a key, anything else
 * replaces. This is how a config `extends` the preset: it only lists its differences.
 */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (patch === undefined) return target
  if (!isPlainObject(patch)) return patch
  const out: Record<string, unknown> = isPlainObject(target) ? { ...target } : {}
  for (const key of Object.keys(patch)) {
    if (key === '__proto__') continue
    const value = patch[key]
    if (value === null) delete out[key]
    else out[key] = mergePatch(out[key], value)
  }
  return out
}
