import { describe, expect, it } from 'vitest'
import { cumulative, feistel, Rng, seedWords } from './prng.js'

const draw = (rng: Rng, n: number) => Array.from({ length: n }, () => rng.u32())

describe('Rng', () => {
  it('repeats for the same seed, stream and index and differs otherwise', () => {
    const seed = seedWords(42)
    expect(draw(new Rng(seed, 1, 7), 20)).toEqual(draw(new Rng(seed, 1, 7), 20))
    expect(draw(new Rng(seed, 1, 7), 20)).not.toEqual(draw(new Rng(seed, 1, 8), 20))
    expect(draw(new Rng(seed, 1, 7), 20)).not.toEqual(draw(new Rng(seed, 2, 7), 20))
    expect(draw(new Rng(seed, 1, 7), 20)).not.toEqual(draw(new Rng(seedWords(43), 1, 7), 20))
  })

  it('reseeds to exactly the state of a fresh generator', () => {
    const seed = seedWords('abc')
    const rng = new Rng(seed, 1, 0)
    draw(rng, 5)
    rng.reseed(seed, 1, 99)
    expect(draw(rng, 10)).toEqual(draw(new Rng(seed, 1, 99), 10))
  })

  it('gives uniform floats, normals and Poisson counts with the right moments', () => {
    const rng = new Rng(seedWords(1))
    const n = 20_000
    let u = 0
    let z = 0
    let z2 = 0
    let k = 0
    for (let i = 0; i < n; i++) {
      const x = rng.next()
      expect(x).toBeGreaterThanOrEqual(0)
      expect(x).toBeLessThan(1)
      u += x
      const y = rng.normal()
      z += y
      z2 += y * y
      k += rng.poisson(2)
    }
    expect(u / n).toBeCloseTo(0.5, 2)
    expect(z / n).toBeCloseTo(0, 1)
    expect(z2 / n).toBeCloseTo(1, 1)
    expect(k / n).toBeCloseTo(2, 1)
  })

  it('picks by weight', () => {
    const rng = new Rng(seedWords(5))
    const cum = cumulative([1, 0, 3])
    const seen = [0, 0, 0]
    for (let i = 0; i < 40_000; i++) seen[rng.pick(cum)]!++
    expect(seen[1]).toBe(0)
    expect(seen[2]! / seen[0]!).toBeCloseTo(3, 0)
    const seenBinary = [0, 0, 0]
    for (let i = 0; i < 40_000; i++) seenBinary[rng.pickBinary(cum)]!++
    expect(seenBinary[1]).toBe(0)
  })
})

describe('seedWords', () => {
  it('keeps all bits of integer seeds and hashes strings', () => {
    expect(seedWords(0)).toEqual([0, 0])
    expect(seedWords(2 ** 32 + 5)).toEqual([5, 1])
    expect(seedWords('a')).toEqual(seedWords('a'))
    expect(seedWords('a')).not.toEqual(seedWords('b'))
    expect(() => seedWords(-1)).toThrow(RangeError)
    expect(() => seedWords(1.5)).toThrow(RangeError)
  })
})

describe('feistel', () => {
  it('is a bijection on its domain, keyed by the seed', () => {
    const key = seedWords(9)
    const out = Array.from({ length: 256 }, (_, i) => feistel(i, 4, key, 1))
    expect(new Set(out).size).toBe(256)
    expect(Math.max(...out)).toBe(255)
    expect(out).not.toEqual(Array.from({ length: 256 }, (_, i) => feistel(i, 4, seedWords(10), 1)))
    // not the identity, not sequential
    expect(out.filter((v, i) => v === i).length).toBeLessThan(10)
  })

  it('maps 48-bit person numbers without collisions', () => {
    const key = seedWords(1)
    const out = new Set(Array.from({ length: 20_000 }, (_, i) => feistel(i, 24, key, 11)))
    expect(out.size).toBe(20_000)
    for (const v of out) expect(v).toBeLessThan(2 ** 48)
  })
})
