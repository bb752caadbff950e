import { hash, timingSafeEqual } from 'node:crypto'

const digest = (text: string) => hash('sha256', text, 'buffer')

/** Whether a secret someone sent is the expected one, in the same time whatever was sent (equal-length digests). */
export const sameSecret = (given: string, expected: string) => timingSafeEqual(digest(given), digest(expected))

/** `sameSecret` against one expected secret, hashed once: for a check made on every request. */
export function sameSecretAs(expected: string): (given: string) => boolean {
  const wanted = digest(expected)
  return (given) => timingSafeEqual(digest(given), wanted)
}
