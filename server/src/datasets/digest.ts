/**
 * A digest of a DuckDB dataset's content: every base table's rows, in storage order. Two files with
 * the same digest hold the same data even though DuckDB files themselves are not byte-for-byte
 * reproducible (block layout and header fields vary between writes). Computed in blocks of rows so
 * memory stays bounded on large tables; comparable between files written by the same DuckDB version.
 */
import { createHash } from 'node:crypto'
import { existsSync } from 'node:fs'
import { DuckDBInstance } from '@duckdb/node-api'
import type { Keyring } from '../keys/keyring.js'
import { withPlainDataset } from './at-rest.js'

export interface DatasetDigest {
  /** sha256 over the table digests, in table-name order. */
  digest: string
  tables: { name: string; rows: number; md5: string }[]
}

export async function datasetDigest(path: string): Promise<DatasetDigest> {
  if (!existsSync(path)) throw new Error(`no dataset file at ${path}`)
  const instance = await DuckDBInstance.create(path, { access_mode: 'READ_ONLY' })
  try {
    const con = await instance.connect()
    try {
      const names = (
        await con.runAndReadAll(
          `SELECT table_name FROM duckdb_tables()
           WHERE database_name = current_database() AND schema_name = 'main' AND NOT internal AND NOT temporary
           ORDER BY table_name`
        )
      )
        .getRowsJS()
        .map((r) => String(r[0]))
      const tables: DatasetDigest['tables'] = []
      for (const name of names) {
        const q = `"${name.replaceAll('"', '""')}"`
        const [row] = (
          await con.runAndReadAll(
            `SELECT coalesce(sum(n), 0) AS rows, md5(coalesce(string_agg(h, '' ORDER BY g), '')) AS md5
             FROM (SELECT rowid // 65536 AS g, count(*) AS n, md5(string_agg(x::VARCHAR, chr(10) ORDER BY rowid)) AS h
                   FROM main.${q} x GROUP BY g)`
          )
        ).getRowsJS()
        tables.push({ name, rows: Number(row![0]), md5: String(row![1]) })
      }
      const hash = createHash('sha256')
      for (const t of tables) hash.update(`${t.name}\t${t.rows}\t${t.md5}\n`)
      return { digest: hash.digest('hex'), tables }
    } finally {
      con.closeSync()
    }
  } finally {
    instance.closeSync()
  }
}

/** The digest of an encrypted dataset file, read from a decrypted copy in memory-backed storage. */
export function encryptedDatasetDigest(path: string, keyring: Keyring, datasetId: string): Promise<DatasetDigest> {
  return withPlainDataset(path, keyring, datasetId, (plain) => datasetDigest(plain))
}
