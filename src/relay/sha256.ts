import { createHash } from 'node:crypto'

/** SHA-256 hex of a string's UTF-8 bytes, on the server. */
export const sha256Hex = (text: string): string => createHash('sha256').update(text).digest('hex')
