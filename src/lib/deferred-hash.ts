import type { JsonValue } from './json'

/** A SHA-256 still being computed by WebCrypto; stands in for its hex digest until then. */
class PendingHash {
  constructor(readonly digest: Promise<string | undefined>) {}
}

/**
 * SHA-256 in the page, with WebCrypto: no hashing code in the bundle. `crypto.subtle` is async,
 * so `hash` hands out placeholders and `settle` replaces them once every digest is known (the
 * destination keeps later events behind it, in order). Where WebCrypto is missing (plain-http
 * pages) a placeholder settles to nothing: the value is left out, never sent in clear.
 */
export function deferredHash(subtle: SubtleCrypto | undefined) {
  let pending = 0
  const digest = async (text: string): Promise<string | undefined> => {
    if (!subtle) return undefined
    try {
      const bytes = new Uint8Array(await subtle.digest('SHA-256', new TextEncoder().encode(text)))
      return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('')
    } catch {
      return undefined
    }
  }
  return {
    hash(text: string): string {
      pending++
      return new PendingHash(digest(text)) as unknown as string
    },
    /** Whether any placeholder was handed out since the last `take`. */
    take(): boolean {
      const any = pending > 0
      pending = 0
      return any
    },
  }
}

/** `value` with every placeholder replaced by its digest, or dropped when it has none. */
export async function settleHashes<T>(value: T): Promise<T> {
  return (await settle(value as JsonValue)) as T
}

async function settle(value: unknown): Promise<unknown> {
  if (value instanceof PendingHash) return value.digest
  if (value === null || typeof value !== 'object') return value
  if (Array.isArray(value)) return (await Promise.all(value.map(settle))).filter((item) => item !== undefined)
  const out: Record<string, unknown> = {}
  for (const key of Object.keys(value)) {
    const child = await settle((value as Record<string, unknown>)[key])
    if (child !== undefined) out[key] = child
  }
  return out
}
