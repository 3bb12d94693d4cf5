import { createReadStream } from 'node:fs'
import { EncryptedFileError, readEncryptedFile } from '../../keys/encrypted-file.js'
import type { DatasetFingerprints } from './fingerprints.js'

/**
 * The content-defined sampling behind a dataset's fingerprints, shared by the gateway's thread and
 * the fingerprinting worker. Everything here is fixed: fingerprints taken once are compared with
 * output hashed later, by another process or another version of the gateway.
 */

export const DEFAULT_WINDOW_BYTES = 32
export const DEFAULT_MAX_FINGERPRINTS = 262_144
const MIN_MODULUS = 8
/**
 * A window with fewer distinct byte values is padding, a run of zeros or a repeated pattern: a
 * DuckDB file has long stretches of them, and so does harmless output.
 */
const MIN_DISTINCT = 12
/** A terminal turns "\n" into "\r\n": both sides leave every CR out. */
const CR = 0x0d
/**
 * A sampled window that is all text is kept in a hash's lowest bit while sampling (a modulus of 8
 * or more leaves the three lowest bits 0).
 */
const TEXT = 1

export interface SamplingOptions {
  windowBytes?: number
  maxFingerprints?: number
}

export function samplingOptions(options: SamplingOptions = {}): { windowBytes: number; maxFingerprints: number } {
  const windowBytes = options.windowBytes ?? DEFAULT_WINDOW_BYTES
  const maxFingerprints = options.maxFingerprints ?? DEFAULT_MAX_FINGERPRINTS
  if (!Number.isInteger(windowBytes) || windowBytes < 16 || windowBytes > 4096) {
    throw new RangeError(`windowBytes must be an integer from 16 to 4096: ${windowBytes}`)
  }
  if (!Number.isInteger(maxFingerprints) || maxFingerprints < 1) {
    throw new RangeError(`maxFingerprints must be a positive integer: ${maxFingerprints}`)
  }
  return { windowBytes, maxFingerprints }
}

/** The murmur3 finaliser. */
function fmix32(h: number): number {
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  h ^= h >>> 16
  return h >>> 0
}

/** Buzhash's table: a fixed random word per byte value. */
export const BYTE_HASH = Int32Array.from({ length: 256 }, (_, b) => fmix32(Math.imul(b + 1, 0x9e3779b9) ^ 0x5bd1e995))

/** What a byte leaving a window of `windowBytes` takes out of the hash: its word, rotated as far as it went. */
export function leavingHash(windowBytes: number): Int32Array {
  const r = windowBytes % 32
  return BYTE_HASH.map((t) => (r === 0 ? t : (t << r) | (t >>> (32 - r))))
}

/**
 * A second hash of a window (its bytes oldest first, from `head` round the ring), independent of
 * the rolling one. The rolling hash alone has 32 bits, all the sampled ones ending in zeros: among
 * a quarter of a million fingerprints, random output would hit one every few kilobytes. Both
 * together are wrong about once in 2^64 windows.
 */
export function windowCheck(ring: Uint8Array, head: number): number {
  let c = 0x811c9dc5 ^ ring.length
  for (let k = head; k < ring.length; k++) c = Math.imul(c ^ ring[k]!, 0x01000193)
  for (let k = 0; k < head; k++) c = Math.imul(c ^ ring[k]!, 0x01000193)
  return fmix32(c)
}

/** The smallest power of two from 8 up that samples at most `max` of `bytes` windows on average. */
export function initialModulus(bytes: number, max: number): number {
  let m = MIN_MODULUS
  while (bytes / m > max) m *= 2
  return m
}

/**
 * Sorts the first n pairs by hash, equal hashes staying in the order they came (LSD radix sort, 8
 * bits a pass: an even number of passes leaves the result where it started).
 */
function sortPairs(hs: Uint32Array, cs: Uint32Array, n: number, spareH: Uint32Array, spareC: Uint32Array): void {
  const counts = new Uint32Array(256)
  let fromH = hs
  let fromC = cs
  let toH = spareH
  let toC = spareC
  for (let shift = 0; shift < 32; shift += 8) {
    counts.fill(0)
    for (let i = 0; i < n; i++) counts[(fromH[i]! >>> shift) & 0xff]!++
    let sum = 0
    for (let d = 0; d < 256; d++) {
      const c = counts[d]!
      counts[d] = sum
      sum += c
    }
    for (let i = 0; i < n; i++) {
      const at = counts[(fromH[i]! >>> shift) & 0xff]!++
      toH[at] = fromH[i]!
      toC[at] = fromC[i]!
    }
    ;[fromH, toH, fromC, toC] = [toH, fromH, toC, fromC]
  }
}

/**
 * Takes a file's fingerprints as its bytes go by: every window whose rolling hash is 0 modulo the
 * modulus, unless its bytes are too uniform. Whenever more than the maximum are found the modulus
 * doubles and the fingerprints that no longer qualify leave, so the result is the same as if the
 * final modulus had been chosen at the start, and memory stays bounded by twice the maximum. Of
 * two windows with the same rolling hash, one is kept.
 */
export class FingerprintSampler {
  private readonly ring: Uint8Array
  private readonly leaving: Int32Array
  private pos = 0
  private filled = 0
  private h = 0
  private modulus: number
  /** (rolling hash, check) pairs found, in the order found since the last compaction */
  private hashes = new Uint32Array(1024)
  private checks = new Uint32Array(1024)
  private found = 0
  private readonly capacity: number
  private readonly stamps = new Uint32Array(256)
  private stamp = 0
  private bytes = 0

  constructor(
    private readonly windowBytes: number,
    private readonly maxFingerprints: number,
    expectedBytes: number
  ) {
    this.ring = new Uint8Array(windowBytes)
    this.leaving = leavingHash(windowBytes)
    this.modulus = initialModulus(expectedBytes, maxFingerprints)
    this.capacity = 2 * maxFingerprints + 1024
  }

  update(chunk: Uint8Array): void {
    const { ring, leaving, windowBytes } = this
    let { pos, filled, h } = this
    let mask = this.modulus - 1
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i]!
      if (b === CR) continue
      if (filled < windowBytes) {
        h = ((h << 1) | (h >>> 31)) ^ BYTE_HASH[b]!
        filled++
      } else {
        h = ((h << 1) | (h >>> 31)) ^ leaving[ring[pos]!]! ^ BYTE_HASH[b]!
      }
      ring[pos] = b
      pos = pos + 1 === windowBytes ? 0 : pos + 1
      if ((h & mask) !== 0 || filled < windowBytes) continue
      this.consider(h >>> 0, pos)
      mask = this.modulus - 1
    }
    this.pos = pos
    this.filled = filled
    this.h = h
    this.bytes += chunk.length
  }

  /**
   * The fingerprints, leaving out windows that are all text unless most are: the strings a DuckDB
   * file stores as they are (names, descriptions) are what every query shows, so they would match
   * ordinary work (a 22 MB synthetic claims dataset: 14% of its fingerprints, and 5 of them in the
   * first 5,000 rows of one table). A file that is mostly text (a CSV) is its text.
   */
  result(name: string): DatasetFingerprints {
    this.compact()
    const { hashes, checks } = this
    let text = 0
    for (let i = 0; i < this.found; i++) text += hashes[i]! & TEXT
    const keepText = 2 * text > this.found
    let n = 0
    for (let i = 0; i < this.found; i++) {
      if (!keepText && hashes[i]! & TEXT) continue
      hashes[n] = hashes[i]! & ~TEXT
      checks[n++] = checks[i]!
    }
    return {
      name,
      windowBytes: this.windowBytes,
      modulus: this.modulus,
      hashes: hashes.slice(0, n),
      checks: checks.slice(0, n),
      fileBytes: this.bytes
    }
  }

  private consider(h: number, head: number): void {
    const kind = this.kind()
    if (kind < 0) return
    if (this.found === this.hashes.length) {
      if (this.found >= this.capacity) this.compact()
      if (this.found === this.hashes.length) this.grow()
    }
    this.hashes[this.found] = h | kind
    this.checks[this.found] = windowCheck(this.ring, head)
    this.found++
  }

  private grow(): void {
    const size = Math.min(this.capacity, this.hashes.length * 2)
    const hashes = new Uint32Array(size)
    const checks = new Uint32Array(size)
    hashes.set(this.hashes)
    checks.set(this.checks)
    this.hashes = hashes
    this.checks = checks
  }

  /** Sorts what was found, keeps the first of each hash, and doubles the modulus while there are too many. */
  private compact(): void {
    const { hashes, checks } = this
    sortPairs(hashes, checks, this.found, new Uint32Array(this.found), new Uint32Array(this.found))
    let n = 0
    for (let i = 0; i < this.found; i++) {
      if (n > 0 && (hashes[n - 1]! & ~TEXT) === (hashes[i]! & ~TEXT)) continue
      hashes[n] = hashes[i]!
      checks[n++] = checks[i]!
    }
    while (n > this.maxFingerprints) {
      this.modulus *= 2
      const mask = (this.modulus - 1) & ~TEXT
      let kept = 0
      for (let i = 0; i < n; i++) {
        if ((hashes[i]! & mask) !== 0) continue
        hashes[kept] = hashes[i]!
        checks[kept++] = checks[i]!
      }
      n = kept
    }
    this.found = n
  }

  /** -1 for a window of too few distinct bytes to be worth a fingerprint, TEXT for one all of text, else 0. */
  private kind(): number {
    if (++this.stamp === 0xffffffff) {
      this.stamps.fill(0)
      this.stamp = 1
    }
    const { ring, stamps, stamp } = this
    let distinct = 0
    let text = TEXT
    for (let k = 0; k < ring.length; k++) {
      const b = ring[k]!
      if (b < 0x20 ? b !== 0x09 && b !== 0x0a : b === 0x7f) text = 0
      if (stamps[b] === stamp) continue
      stamps[b] = stamp
      distinct++
    }
    return distinct < MIN_DISTINCT ? -1 : text
  }
}

export function sampleBytes(bytes: Uint8Array, name: string, options?: SamplingOptions): DatasetFingerprints {
  const { windowBytes, maxFingerprints } = samplingOptions(options)
  const sampler = new FingerprintSampler(windowBytes, maxFingerprints, bytes.length)
  sampler.update(bytes)
  return sampler.result(name)
}

/**
 * Reads the file in pieces of `pieceBytes`, so memory stays that and the result whatever the
 * file's size, and the thread is held for one piece's hashing at a time.
 */
export async function sampleFile(
  path: string,
  name: string,
  expectedBytes: number,
  options: SamplingOptions | undefined,
  pieceBytes: number
): Promise<DatasetFingerprints> {
  return sampleStream(createReadStream(path, { highWaterMark: pieceBytes }), name, expectedBytes, options)
}

/** The same over any stream of the file's bytes (a decrypting one for a file encrypted at rest). */
export async function sampleStream(
  source: AsyncIterable<unknown>,
  name: string,
  expectedBytes: number,
  options: SamplingOptions | undefined
): Promise<DatasetFingerprints> {
  const { windowBytes, maxFingerprints } = samplingOptions(options)
  const sampler = new FingerprintSampler(windowBytes, maxFingerprints, expectedBytes)
  for await (const chunk of source) sampler.update(chunk as Buffer)
  return sampler.result(name)
}

/**
 * How to read a dataset file encrypted at rest: its context and the one data key it may name (a
 * worker thread has no keyring, so the key goes with the job).
 */
export interface EncryptedSource {
  context: string
  keyId: string
  key: Uint8Array
}

/** The decrypted bytes of an encrypted file, with `source`'s single key. */
export function decryptedStream(path: string, source: EncryptedSource): AsyncIterable<unknown> {
  // a view, not a copy: zeroing the job's key zeroes this one
  const key = Buffer.from(source.key.buffer, source.key.byteOffset, source.key.byteLength)
  return readEncryptedFile(
    path,
    (id) => {
      if (id !== source.keyId) throw new EncryptedFileError(`the file names the key ${id}, not ${source.keyId}`)
      return key
    },
    source.context
  )
}
