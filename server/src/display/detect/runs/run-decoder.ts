import type { Findings } from './findings.js'

/** Characters of one run held before its decoding is handed out in a piece. */
const PIECE_CHARS = 64 * 1024
/**
 * Characters each piece repeats of the one before: a multiple of 8, so alignments stay in step (base32's
 * too), and no fewer than an identifier's longest (id-columns.ts), which AlphabetRuns reads back.
 */
const OVERLAP_CHARS = 128
/** Of a run not (yet) judged encoded, the characters kept for decoding if it qualifies later. */
export const UNJUDGED_KEEP_CHARS = 16 * 1024

/** 'bytes': the run's characters are already the bytes (escapes undone, numbers read). */
export type RunKind = 'base64' | 'hex' | 'base32' | 'base32hex' | 'bytes'

/** The 5 bits each base32 character stands for, in either case, and of base32hex; '=' as 0. */
const BASE32_VALUE = new Uint8Array(256)
const BASE32_HEX_VALUE = new Uint8Array(256)
for (let v = 0; v < 32; v++) {
  const c = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'.charCodeAt(v)
  BASE32_VALUE[c] = BASE32_VALUE[c | 0x20] = v
  const h = '0123456789ABCDEFGHIJKLMNOPQRSTUV'.charCodeAt(v)
  BASE32_HEX_VALUE[h] = BASE32_HEX_VALUE[h | 0x20] = v
}

function decodeBase32(chars: Uint8Array, from: number, to: number, values: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(Math.floor(((to - from) * 5) / 8))
  let bits = 0
  let acc = 0
  let n = 0
  for (let i = from; i < to; i++) {
    acc = ((acc << 5) | values[chars[i]!]!) & 0x1fff
    bits += 5
    if (bits >= 8) {
      bits -= 8
      out[n++] = (acc >> bits) & 0xff
    }
  }
  return out.subarray(0, n)
}

/**
 * Holds a run's characters (line breaks and layout left out; for bytes, the bytes) and decodes
 * them in pieces once the run is judged. Pieces are cut at multiples of 8 characters from where
 * the run's kept characters begin, so piece k+1 at alignment a continues piece k at a.
 */
export class RunDecoder {
  private kind: RunKind | null = null
  private alignments = 0
  private readonly chars = new Uint8Array(PIECE_CHARS)
  private length = 0

  constructor(private readonly findings: Findings) {}

  /** From now on the run is `kind`, decoded at `alignments` alignments (1 where a dump's layout fixes it). */
  judge(kind: RunKind, alignments: number): void {
    this.kind = kind
    this.alignments = alignments
  }

  push(c: number): void {
    this.chars[this.length++] = c
    if (this.length === PIECE_CHARS) this.spill()
  }

  pushRange(chunk: Uint8Array, from: number, to: number): void {
    while (to - from >= 1024) {
      const n = Math.min(to - from, PIECE_CHARS - this.length)
      this.chars.set(chunk.subarray(from, from + n), this.length)
      this.length += n
      from += n
      if (this.length === PIECE_CHARS) this.spill()
    }
    // most stretches are one wrapped line, too short to pay for a subarray
    const chars = this.chars
    let length = this.length
    for (let k = from; k < to; k++) {
      chars[length++] = chunk[k]!
      if (length === PIECE_CHARS) {
        this.length = length
        this.spill()
        length = this.length
      }
    }
    this.length = length
  }

  /** The character `back` from the end of those held (1: the last). */
  heldChar(back: number): number {
    return this.chars[this.length - back]!
  }

  /** The last `n` characters held (a run's, before it is judged: never more than were pushed since it began). */
  tail(n: number): Uint8Array {
    return this.chars.subarray(this.length - n, this.length)
  }

  end(): void {
    if (this.kind !== null) this.decode()
    this.length = 0
    this.kind = null
  }

  private spill(): void {
    const keep = this.kind === null ? UNJUDGED_KEEP_CHARS : OVERLAP_CHARS
    if (this.kind !== null) this.decode()
    this.chars.copyWithin(0, this.length - keep, this.length)
    this.length = keep
  }

  private decode(): void {
    const end = this.length
    if (this.kind === 'bytes') {
      this.findings.emit(Buffer.from(this.chars.subarray(0, end)))
      return
    }
    if (this.kind === 'base32' || this.kind === 'base32hex') {
      const values = this.kind === 'base32' ? BASE32_VALUE : BASE32_HEX_VALUE
      for (let a = 0; a < this.alignments && a < end; a++) this.findings.emit(decodeBase32(this.chars, a, end, values))
      return
    }
    const chars = Buffer.from(this.chars.buffer, this.chars.byteOffset, end)
    const encoding = this.kind === 'hex' ? 'hex' : 'base64'
    for (let a = 0; a < this.alignments && a < end; a++) {
      const text = chars.toString('latin1', a, end)
      // '=' ends a group: as 'A' it keeps the alignment of what follows (concatenated encodings)
      this.findings.emit(Buffer.from(text.includes('=') ? text.replaceAll('=', 'A') : text, encoding))
    }
  }
}
