/**
 * SHA-256 of a string's UTF-8 bytes, as lowercase hex. Synchronous on purpose: `crypto.subtle`
 * is async (it would reorder a Lead behind later events) and missing on plain-http pages.
 * https://csrc.nist.gov/pubs/fips/180-4/upd1/final
 */
const K = new Uint32Array(64)
const H0 = new Uint32Array(8)
;(() => {
  // The first 32 bits of the fractional parts of the cube (K) and square (H0) roots of the first primes.
  let found = 0
  for (let n = 2; found < 64; n++) {
    let prime = true
    for (let d = 2; d * d <= n; d++) if (n % d === 0) prime = false
    if (!prime) continue
    if (found < 8) H0[found] = (Math.sqrt(n) % 1) * 2 ** 32
    K[found++] = (Math.cbrt(n) % 1) * 2 ** 32
  }
})()

export function sha256Hex(text: string): string {
  const bytes = new TextEncoder().encode(text)
  const length = ((bytes.length + 9 + 63) >> 6) << 6
  const data = new Uint8Array(length)
  data.set(bytes)
  data[bytes.length] = 0x80
  const view = new DataView(data.buffer)
  view.setUint32(length - 8, Math.floor(bytes.length / 2 ** 29))
  view.setUint32(length - 4, bytes.length << 3)
  const h = H0.slice()
  const w = new Uint32Array(64)
  for (let offset = 0; offset < length; offset += 64) {
    for (let i = 0; i < 16; i++) w[i] = view.getUint32(offset + i * 4)
    for (let i = 16; i < 64; i++) {
      const a = w[i - 15] as number
      const b = w[i - 2] as number
      const s0 = rotr(a, 7) ^ rotr(a, 18) ^ (a >>> 3)
      const s1 = rotr(b, 17) ^ rotr(b, 19) ^ (b >>> 10)
      w[i] = (w[i - 16] as number) + s0 + (w[i - 7] as number) + s1
    }
    let [a, b, c, d, e, f, g, hh] = h as unknown as number[] as [number, number, number, number, number, number, number, number]
    for (let i = 0; i < 64; i++) {
      const t1 = (hh + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + (K[i] as number) + (w[i] as number)) >>> 0
      const t2 = ((rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))) >>> 0
      hh = g
      g = f
      f = e
      e = (d + t1) >>> 0
      d = c
      c = b
      b = a
      a = (t1 + t2) >>> 0
    }
    const next = [a, b, c, d, e, f, g, hh]
    for (let i = 0; i < 8; i++) h[i] = (h[i] as number) + (next[i] as number)
  }
  return Array.from(h, (word) => word.toString(16).padStart(8, '0')).join('')
}

function rotr(value: number, bits: number): number {
  return (value >>> bits) | (value << (32 - bits))
}
