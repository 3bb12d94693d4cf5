/**
 * Hex of these lengths may be an identifier rather than a piece of a dump: digests (MD5, SHA-1,
 * SHA-224, SHA-256, SHA-384, SHA-512) whole or less the two characters a store shards by (git's
 * objects, DVC's cache), 64-bit ids, object ids. Not shorter: "a space every 8 characters" is a
 * dump's layout, and a column of abbreviated commits is small.
 */
export const ID_MAX = 128
const ID_LENGTHS = new Uint8Array(ID_MAX + 1)
for (const n of [16, 24, 30, 32, 38, 40, 54, 56, 62, 64, 94, 96, 126, 128]) ID_LENGTHS[n] = 1
/** Leading hex digits an identifier is ordered by. */
export const ID_KEY_DIGITS = 6
/**
 * Out-of-order identifiers (about half of random ones) a column may have before it is read as a
 * dump cut at that width (one longer than a SHA-256 counts for more): a query's column of a couple
 * of thousand pseudonymised ids is ordinary, and a policy's limit (64 KiB a minute) is of the
 * order of what this lets through uncounted; a file's worth is not.
 */
const ID_COLUMN_MAX = 1024
const ID_UNIT = 64
/**
 * Other output that takes one back: a dump kept under ID_COLUMN_MAX by padding needs eight times
 * its own size of it, against the display budget (so a few tens of KiB of data a minute at most).
 */
const ID_LEAK_BYTES = 1024

export function isIdLength(n: number): boolean {
  return n <= ID_MAX && ID_LENGTHS[n] === 1
}

/**
 * Whether a hex token of an identifier's length ends a run, or the run goes on past it as any
 * other token would. A listing (`ls` of hashed names, in columns or one a line) is sorted: each
 * identifier comes after the one before it on its line and the first of its line after the first
 * of the line before. A dump cut at an identifier's width is not: about half its tokens come
 * before their neighbour, and past ID_COLUMN_MAX of those the tokens join.
 */
export class IdColumns {
  private credit = 0
  private lastEnd = 0
  private lastKey = -1
  private lineFirstKey = -1

  /** A hex token of an identifier's length and `key` (ID_KEY_DIGITS leading digits) ended at `end`. */
  joins(key: number, firstOnLine: boolean, end: number, length: number): boolean {
    const before = firstOnLine ? this.lineFirstKey : this.lastKey
    if (firstOnLine) this.lineFirstKey = key
    this.lastKey = key
    const other = end - this.lastEnd - length - 2
    if (other > 0) this.credit = Math.max(0, this.credit - other / ID_LEAK_BYTES)
    this.lastEnd = end
    if (key < before) this.credit += Math.max(1, length / ID_UNIT)
    return this.credit > ID_COLUMN_MAX
  }
}
