import { Rng, seedWords } from '../../datasets/synthetic/prng.js'

/** For the scanner's tests: bytes and chunkings that are the same for the same seed. */

export function randomBytes(n: number, seed: number): Buffer {
  const rng = new Rng(seedWords(seed))
  const out = Buffer.alloc(n)
  for (let i = 0; i < n; i++) out[i] = rng.u32() & 0xff
  return out
}

/** Chunk sizes from 1 byte to 64 KiB, spread evenly over their logarithm. */
export function randomSplit(bytes: Uint8Array, seed: number): Uint8Array[] {
  const rng = new Rng(seedWords(seed))
  const chunks: Uint8Array[] = []
  for (let i = 0; i < bytes.length; ) {
    const n = Math.min(65536, 1 + rng.int(2 ** rng.int(17)))
    chunks.push(bytes.subarray(i, i + n))
    i += n
  }
  return chunks
}
