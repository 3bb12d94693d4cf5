import { stat } from 'node:fs/promises'
import { Worker } from 'node:worker_threads'
import { encryptedFileKeyId } from '../../datasets/at-rest.js'
import { encryptedPlainSize } from '../../keys/encrypted-file.js'
import type { Keyring } from '../../keys/keyring.js'
import {
  BYTE_HASH,
  decryptedStream,
  type EncryptedSource,
  leavingHash,
  sampleBytes,
  sampleFile,
  samplingOptions,
  type SamplingOptions,
  sampleStream,
  windowCheck
} from './fingerprint-sampler.js'

/**
 * Recognises a dataset file's bytes in what reached the screen, shown raw or decoded (base64, hex,
 * escaped), wherever they start: fingerprints are windows chosen by their content (a rolling hash
 * over `windowBytes` bytes, carriage returns left out, that is 0 modulo `modulus`), so a slice of
 * the file has the same fingerprints as the file at that place, whatever its offset. Windows of
 * fewer than 12 distinct bytes (padding, zeros) are no fingerprints, nor, unless most of the file
 * is text, windows that are all text (the strings a DuckDB file stores, which queries show).
 */
export interface DatasetFingerprints {
  name: string
  windowBytes: number
  /** a power of two: a window is a fingerprint when its rolling hash % modulus === 0 */
  modulus: number
  /** the fingerprints' rolling hashes, sorted, unique */
  hashes: Uint32Array
  /** a second, independent hash of each fingerprint's window, in the order of `hashes` */
  checks: Uint32Array
  fileBytes: number
}

/**
 * Files up to this size are fingerprinted on the calling thread (about 50 ms of hashing at most,
 * less than starting a thread), read in pieces that hold it some 3 ms each.
 */
const INLINE_MAX_BYTES = 1024 * 1024
const INLINE_PIECE_BYTES = 64 * 1024
/** Streams whose last windows are kept; the longest unused is forgotten (its next window starts afresh). */
const MAX_STREAMS = 64

/** Reads a file (streaming, constant memory apart from the result) and takes its fingerprints */
export async function fingerprintFile(
  path: string,
  name: string,
  options?: SamplingOptions
): Promise<DatasetFingerprints> {
  samplingOptions(options)
  const { size } = await stat(path)
  if (size <= INLINE_MAX_BYTES) return sampleFile(path, name, size, options, INLINE_PIECE_BYTES)
  return inWorker({ path, name, expectedBytes: size, options })
}

/**
 * The fingerprints of a dataset file encrypted at rest: of its plaintext, which is what a sandbox
 * holds and so what its screen could show. A file that does not decrypt gives no fingerprints
 * (an error), never fingerprints of its ciphertext.
 */
export async function fingerprintEncryptedFile(
  path: string,
  name: string,
  keyring: Keyring,
  context: string,
  options?: SamplingOptions
): Promise<DatasetFingerprints> {
  samplingOptions(options)
  const size = encryptedPlainSize(path)
  // the header's key id only finds the key: the decryption authenticates the header with it
  const keyId = encryptedFileKeyId(path)
  const encrypted = { context, keyId, key: new Uint8Array(keyring.key(keyId)) }
  try {
    if (size <= INLINE_MAX_BYTES) return await sampleStream(decryptedStream(path, encrypted), name, size, options)
    return await inWorker({ path, name, expectedBytes: size, options, encrypted })
  } finally {
    encrypted.key.fill(0)
  }
}

export function fingerprintBytes(bytes: Uint8Array, name: string, options?: SamplingOptions): DatasetFingerprints {
  return sampleBytes(bytes, name, options)
}

/** A large file is hashed on a thread of its own, so the gateway goes on serving every terminal meanwhile. */
function inWorker(job: {
  path: string
  name: string
  expectedBytes: number
  options: SamplingOptions | undefined
  encrypted?: EncryptedSource
}): Promise<DatasetFingerprints> {
  return new Promise((resolve, reject) => {
    // run from the sources (tests and benches, from the project root), the thread registers the
    // TypeScript loader first
    const worker = import.meta.url.endsWith('.ts')
      ? new Worker(
          `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(new URL('./fingerprint-worker.ts', import.meta.url).href)}) })`,
          { eval: true, workerData: job }
        )
      : new Worker(new URL('./fingerprint-worker.js', import.meta.url), { workerData: job })
    let answered = false
    const fail = (why: string) => {
      if (answered) return
      answered = true
      reject(new Error(`the fingerprints of ${job.name} could not be taken: ${why}`))
    }
    worker.once('message', (m: { result?: DatasetFingerprints; error?: string }) => {
      if (m.result === undefined) return fail(m.error ?? 'the thread failed')
      answered = true
      resolve(m.result)
    })
    worker.once('error', (err) => fail(err.message))
    worker.once('exit', (code) => fail(`its thread stopped (exit ${code})`))
  })
}

interface SetState {
  name: string
  mask: number
  hashes: Uint32Array
  checks: Uint32Array
  starts: Uint32Array
  shift: number
  /** one bit per value of a hash's top filterBits bits: whether any fingerprint has them */
  filter: Uint32Array
  filterShift: number
  seen: Uint8Array
  count: number
}

/** The datasets fingerprinted with one window size, which share one rolling hash per stream. */
interface WindowGroup {
  windowBytes: number
  leaving: Int32Array
  /** a window can be a fingerprint of some set only when hash & anyMask === 0 */
  anyMask: number
  sets: SetState[]
}

/** Where the rolling hash of one stream stands, for one window size. */
interface Rolling {
  ring: Uint8Array
  pos: number
  filled: number
  h: number
}

/**
 * Where each run of hashes sharing their top `bits` bits starts in the sorted hashes: a lookup
 * reads one bucket (about one hash) instead of a binary search's 18 reads over a megabyte.
 */
function bucketStarts(hashes: Uint32Array, bits: number): Uint32Array {
  const starts = new Uint32Array((1 << bits) + 1)
  const shift = 32 - bits
  let i = 0
  for (let t = 0; t <= 1 << bits; t++) {
    while (i < hashes.length && hashes[i]! >>> shift < t) i++
    starts[t] = i
  }
  return starts
}

/**
 * A bit per value of the top `bits` bits of the hashes, a quarter of a megabyte at most: it stays
 * in the processor's cache where the hashes do not, and turns most windows of unrelated output
 * away before they cost a read from memory.
 */
function topBitsFilter(hashes: Uint32Array, bits: number): Uint32Array {
  const filter = new Uint32Array(Math.max(1, 1 << (bits - 5)))
  for (const h of hashes) {
    const t = h >>> (32 - bits)
    filter[t >>> 5]! |= 1 << (t & 31)
  }
  return filter
}

/**
 * Counts the distinct fingerprints of a session's datasets seen in its output. Each stream (a
 * terminal, a notebook's outputs, one decoded run, one image) keeps its own last window, so a
 * window never joins the end of one to the start of another.
 */
export class FingerprintMatcher {
  private readonly groups: WindowGroup[] = []
  private readonly names: string[]
  private readonly streams = new Map<string, Rolling[]>()

  constructor(sets: DatasetFingerprints[]) {
    for (const s of sets) {
      if (s.hashes.length !== s.checks.length) throw new RangeError(`the fingerprints of ${s.name} are incomplete`)
      if (!Number.isInteger(Math.log2(s.modulus))) {
        throw new RangeError(`the fingerprints of ${s.name} have a modulus that is not a power of two`)
      }
      if (s.hashes.length === 0) continue
      let group = this.groups.find((g) => g.windowBytes === s.windowBytes)
      if (group === undefined) {
        group = { windowBytes: s.windowBytes, leaving: leavingHash(s.windowBytes), anyMask: 0xffffffff, sets: [] }
        this.groups.push(group)
      }
      const mask = s.modulus - 1
      group.anyMask &= mask
      const bits = Math.min(20, Math.max(4, Math.ceil(Math.log2(s.hashes.length))))
      const filterBits = Math.min(21, bits + 3)
      group.sets.push({
        name: s.name,
        mask,
        hashes: s.hashes,
        checks: s.checks,
        starts: bucketStarts(s.hashes, bits),
        shift: 32 - bits,
        filter: topBitsFilter(s.hashes, filterBits),
        filterShift: 32 - filterBits,
        seen: new Uint8Array(s.hashes.length),
        count: 0
      })
    }
    this.names = [...new Set(sets.map((s) => s.name))]
  }

  /** feeds output (raw, or decoded by the scanner; streams may be fed independently via `stream` keys so windows never span two different streams); returns the number of fingerprints seen for the first time in this session */
  feed(chunk: Uint8Array, stream = ''): number {
    if (this.groups.length === 0 || chunk.length === 0) return 0
    let rolling = this.streams.get(stream)
    if (rolling === undefined) {
      rolling = this.groups.map((g) => ({ ring: new Uint8Array(g.windowBytes), pos: 0, filled: 0, h: 0 }))
      if (this.streams.size >= MAX_STREAMS) this.streams.delete(this.streams.keys().next().value!)
    } else {
      this.streams.delete(stream)
    }
    this.streams.set(stream, rolling)
    let fresh = 0
    for (let g = 0; g < this.groups.length; g++) fresh += this.scan(this.groups[g]!, rolling[g]!, chunk)
    return fresh
  }

  /** distinct fingerprints seen so far, per dataset name */
  matches(): Record<string, number> {
    const out: Record<string, number> = {}
    for (const name of this.names) out[name] = 0
    for (const g of this.groups) for (const s of g.sets) out[s.name]! += s.count
    return out
  }

  private scan(group: WindowGroup, r: Rolling, chunk: Uint8Array): number {
    const { windowBytes, leaving, anyMask } = group
    const ring = r.ring
    let { pos, filled, h } = r
    let fresh = 0
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i]!
      if (b === 0x0d) continue
      if (filled < windowBytes) {
        h = ((h << 1) | (h >>> 31)) ^ BYTE_HASH[b]!
        filled++
      } else {
        h = ((h << 1) | (h >>> 31)) ^ leaving[ring[pos]!]! ^ BYTE_HASH[b]!
      }
      ring[pos] = b
      pos = pos + 1 === windowBytes ? 0 : pos + 1
      if ((h & anyMask) !== 0 || filled < windowBytes) continue
      fresh += this.lookUp(group, h >>> 0, ring, pos)
    }
    r.pos = pos
    r.filled = filled
    r.h = h
    return fresh
  }

  private lookUp(group: WindowGroup, h: number, ring: Uint8Array, head: number): number {
    let fresh = 0
    let check = -1
    for (const s of group.sets) {
      if ((h & s.mask) !== 0) continue
      const t = h >>> s.filterShift
      if ((s.filter[t >>> 5]! & (1 << (t & 31))) === 0) continue
      const bucket = h >>> s.shift
      let i = s.starts[bucket]!
      const end = s.starts[bucket + 1]!
      while (i < end && s.hashes[i]! < h) i++
      if (i === end || s.hashes[i] !== h || s.seen[i]) continue
      if (check < 0) check = windowCheck(ring, head)
      if (s.checks[i] !== check) continue
      s.seen[i] = 1
      s.count++
      fresh++
    }
    return fresh
  }
}
