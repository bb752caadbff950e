import { hash } from 'node:crypto'

/** SHA-256 hex of a string's UTF-8 bytes, on the server (one call, no Hash object). */
export const sha256Hex = (text: string): string => hash('sha256', text, 'hex')
