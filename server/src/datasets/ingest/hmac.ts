/**
 * HMAC-SHA256 as a DuckDB SQL expression. DuckDB (1.5) has sha256 but no keyed hash, and loading a
 * community extension would mean fetching code at ingest time; HMAC is two hashes (RFC 2104):
 *   HMAC(K, m) = H((K' xor opad) || H((K' xor ipad) || m))
 * with K' the key padded with zeros to the 64-byte block. The two padded keys are computed here and
 * handed to DuckDB as query parameters into an in-memory table, so the key never appears in SQL
 * text and never reaches the output file.
 */
import { createHash } from 'node:crypto'

const BLOCK = 64

export interface HmacPads {
  ipad: Buffer
  opad: Buffer
}

export function hmacPads(key: Buffer): HmacPads {
  const k = key.length > BLOCK ? createHash('sha256').update(key).digest() : key
  const block = Buffer.alloc(BLOCK)
  k.copy(block)
  return { ipad: Buffer.from(block.map((b) => b ^ 0x36)), opad: Buffer.from(block.map((b) => b ^ 0x5c)) }
}

/** The table the pads live in, one row with BLOB columns ipad and opad. */
export const PADS_TABLE = 'hmac_pads'

export const CREATE_PADS_SQL = `CREATE TABLE ${PADS_TABLE} (ipad BLOB NOT NULL, opad BLOB NOT NULL)`
/** Parameters $1 and $2: the pads in hex. */
export const INSERT_PADS_SQL = `INSERT INTO ${PADS_TABLE} SELECT unhex($1), unhex($2)`

/**
 * Lower-case hex HMAC-SHA256 of a VARCHAR expression (its UTF-8 bytes), in a query that has
 * `pads` (the pads table, or its alias) in its FROM clause.
 */
export function hmacSql(message: string, pads = PADS_TABLE): string {
  return `sha256(${pads}.opad || unhex(sha256(${pads}.ipad || encode(${message}))))`
}
