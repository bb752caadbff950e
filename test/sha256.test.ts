import { describe, expect, it } from 'vitest'
import { deferredHash, settleHashes } from '../src/lib/deferred-hash'

// The page hashes with WebCrypto; these check our use of it against Meta's published examples
// (normalised customer data and its SHA-256), and what happens where WebCrypto is missing.
describe('SHA-256 in the page (WebCrypto)', () => {
  it("gives Meta's published hashes, in nested values, once settled", async () => {
    const { hash, take } = deferredHash(globalThis.crypto.subtle)
    const value = { em: hash('john_smith@gmail.com'), list: [hash('16505551212')], deep: { fn: hash('mary'), kept: 1 }, korean: hash('정'), accent: hash('valéry') }
    expect(take()).toBe(true)
    expect(take()).toBe(false)
    expect(await settleHashes(value)).toEqual({
      em: '62a14e44f765419d10fea99367361a727c12365e2520f32218d505ed9aa0f62f',
      list: ['e323ec626319ca94ee8bff2e4c87cf613be6ea19919ed1364124e16807ab3176'],
      deep: { fn: '6915771be1c5aa0c886870b6951b03d7eafc121fea0e80a5ea83beb7c449f4ec', kept: 1 },
      korean: '8fa8cd9c440be61d0151429310034083132b35975c4bea67fdd74158eb51db14',
      accent: '08e1996b5dd49e62a4b4c010d44e4345592a863bb9f8e3976219bac29417149c',
    })
  })

  it('leaves a value out, never in clear, where WebCrypto is missing (plain-http pages)', async () => {
    const { hash } = deferredHash(undefined)
    expect(await settleHashes({ em: hash('john_smith@gmail.com'), list: [hash('x'), 2], rating: 5 })).toEqual({ list: [2], rating: 5 })
  })
})
