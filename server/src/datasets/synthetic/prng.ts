/**
 * Small, fast, seedable randomness for the synthetic generator. Everything here is 32-bit integer
 * arithmetic (Math.imul, >>>), so the same seed gives the same numbers on every platform and Node
 * version. Not for anything secret: these are for fake data only.
 */

/** The murmur3 32-bit finaliser: a good avalanche on one word. */
export function mix32(h: number): number {
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  h ^= h >>> 16
  return h >>> 0
}

/** Hash a list of 32-bit words into one (order-sensitive). */
export function hashWords(...words: number[]): number {
  let h = 0x9e3779b9
  for (const w of words) h = mix32((h ^ mix32((w >>> 0) + 0x7f4a7c15)) + Math.imul(h, 5))
  return h
}

/** A seed as two 32-bit words: integers up to 2^53 keep all their bits, strings are hashed (FNV-1a, twice). */
export type SeedWords = readonly [number, number]

export function seedWords(seed: number | string): SeedWords {
  if (typeof seed === 'number') {
    if (!Number.isSafeInteger(seed) || seed < 0)
      throw new RangeError(`seed must be a non-negative safe integer: ${seed}`)
    return [seed >>> 0, Math.floor(seed / 0x1_0000_0000) >>> 0]
  }
  let a = 0x811c9dc5
  let b = 0x01000193
  for (let i = 0; i < seed.length; i++) {
    const c = seed.charCodeAt(i)
    a = Math.imul(a ^ c, 0x01000193)
    b = Math.imul(b ^ c, 0x01000193) ^ (b >>> 15)
  }
  return [mix32(a), mix32(b ^ 0x5bd1e995)]
}

/**
 * sfc32 (Chris Doty-Humphrey's Small Fast Counting generator): 128-bit state, passes PractRand, and
 * a few integer operations per number. One instance is reseeded per (seed, stream, index) so every
 * patient's data depends only on the seed and the patient's index.
 */
export class Rng {
  private a = 0
  private b = 0
  private c = 0
  private d = 1

  constructor(seed: SeedWords, stream = 0, index = 0) {
    this.reseed(seed, stream, index)
  }

  reseed(seed: SeedWords, stream: number, index: number): void {
    const hi = Math.floor(index / 0x1_0000_0000)
    this.a = hashWords(seed[0], seed[1], stream, index >>> 0, hi, 1)
    this.b = hashWords(seed[0], seed[1], stream, index >>> 0, hi, 2)
    this.c = hashWords(seed[0], seed[1], stream, index >>> 0, hi, 3)
    this.d = 1
    for (let i = 0; i < 12; i++) this.u32()
  }

  /** Uniform 32-bit unsigned integer. */
  u32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0
    this.d = (this.d + 1) | 0
    this.a = this.b ^ (this.b >>> 9)
    this.b = (this.c + (this.c << 3)) | 0
    this.c = (this.c << 21) | (this.c >>> 11)
    this.c = (this.c + t) | 0
    return t >>> 0
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.u32() / 0x1_0000_0000
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n)
  }

  /** Uniform integer in [lo, hi]. */
  range(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1))
  }

  chance(p: number): boolean {
    return this.next() < p
  }

  /** Standard normal (Box-Muller; the second value is dropped to keep the stream simple). */
  normal(): number {
    let u = this.next()
    if (u < 1e-12) u = 1e-12
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next())
  }

  /** Poisson by multiplication (Knuth); fine for the small means used here. */
  poisson(mean: number): number {
    if (mean <= 0) return 0
    const limit = Math.exp(-mean)
    let k = 0
    let p = this.next()
    while (p > limit) {
      k++
      p *= this.next()
    }
    return k
  }

  /** Log-normal with the given median and spread (sigma of the log). */
  logNormal(median: number, sigma: number): number {
    return median * Math.exp(sigma * this.normal())
  }

  /** Index drawn from cumulative weights (see `cumulative`). */
  pick(cum: Float64Array): number {
    const x = this.next() * cum[cum.length - 1]!
    let i = 0
    while (i < cum.length - 1 && cum[i]! <= x) i++
    return i
  }

  /** Index drawn from cumulative weights by binary search, for long lists. */
  pickBinary(cum: Float64Array): number {
    const x = this.next() * cum[cum.length - 1]!
    let lo = 0
    let hi = cum.length - 1
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (cum[mid]! <= x) lo = mid + 1
      else hi = mid
    }
    return lo
  }
}

/** Running sums of `weights`, for `Rng.pick`. */
export function cumulative(weights: readonly number[]): Float64Array {
  const out = new Float64Array(weights.length)
  let s = 0
  for (let i = 0; i < weights.length; i++) {
    s += weights[i]!
    out[i] = s
  }
  if (!(s > 0)) throw new RangeError('weights must not all be zero')
  return out
}

/**
 * A keyed bijection on [0, 2^(2*halfBits)): a four-round Feistel network. Used to turn a row index
 * into a pseudonymous identifier that is unique, stable for a seed, and not sequential.
 */
export function feistel(value: number, halfBits: number, key: SeedWords, domain: number): number {
  const half = 2 ** halfBits
  const mask = half - 1
  let left = Math.floor(value / half)
  let right = value % half
  for (let round = 0; round < 4; round++) {
    const f = hashWords(key[0], key[1], domain, round, right) & mask
    const next = (left ^ f) & mask
    left = right
    right = next
  }
  return left * half + right
}
