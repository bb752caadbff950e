import { createHash, timingSafeEqual } from 'node:crypto'

const digest = (text: string) => createHash('sha256').update(text).digest()

/** Whether a secret someone sent is the expected one, in the same time whatever was sent (equal-length digests). */
export const sameSecret = (given: string, expected: string) => timingSafeEqual(digest(given), digest(expected))
