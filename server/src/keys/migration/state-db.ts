import { closeSync, copyFileSync, existsSync, fsyncSync, openSync, readSync, renameSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3-multiple-ciphers'
import { withMemoryDir } from '../../datasets/at-rest.js'
import { STORE_FILE } from '../../plugins/app/store.js'
import { keyDatabase } from '../../store/sqlite/core.js'
import { shred } from '../erasure/erase.js'
import type { Journal } from './journal.js'

const SQLITE_HEADER = Buffer.from('SQLite format 3\0', 'latin1')

/** Whether the file starts with SQLite's plaintext header (an SQLCipher file starts with random salt). */
export function isPlainSqlite(path: string): boolean {
  if (!existsSync(path)) return false
  const fd = openSync(path, 'r')
  try {
    const head = Buffer.alloc(SQLITE_HEADER.length)
    return readSync(fd, head, 0, head.length, 0) === head.length && head.equals(SQLITE_HEADER)
  } finally {
    closeSync(fd)
  }
}

/** Rows per table: what the encrypted copy must hold before the plaintext goes. */
function tableCounts(db: Database.Database): Record<string, number> {
  const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as {
    name: string
  }[]
  return Object.fromEntries(
    tables.map((t) => [
      t.name,
      (db.prepare(`SELECT count(*) AS n FROM "${t.name.replace(/"/g, '""')}"`).get() as { n: number }).n
    ])
  )
}

/**
 * Encrypts the plaintext state database with SQLCipher under `key`. The work is done on a copy in
 * memory-backed storage (`PRAGMA rekey` on the copy, opened unkeyed with the sqlcipher cipher
 * selected); the encrypted result is written beside the database, reopened with the key and checked
 * table by table against the plaintext; only then is the plaintext overwritten and deleted and the
 * encrypted file put in its place. An interrupted run resumes from the journal. Returns whether
 * there was anything to do.
 */
export async function encryptStateDb(dataDir: string, key: Buffer, journal: Journal): Promise<boolean> {
  const path = join(dataDir, STORE_FILE)
  const ready = `${path}.encrypted`
  if (!journal.has('state-verified')) {
    if (!isPlainSqlite(path)) return false
    let expected: Record<string, number> = {}
    await withMemoryDir('state', async (dir) => {
      const plain = new Database(path, { fileMustExist: true })
      try {
        // folds the write-ahead log into the file, so the copy is the whole database
        plain.pragma('journal_mode = DELETE')
        expected = tableCounts(plain)
      } finally {
        plain.close()
      }
      const work = join(dir, 'state.db')
      copyFileSync(path, work)
      const db = new Database(work, { fileMustExist: true })
      try {
        db.pragma(`cipher = 'sqlcipher'`)
        db.pragma('legacy = 4')
        db.pragma(`rekey = "x'${key.toString('hex')}'"`)
      } finally {
        db.close()
      }
      copyFileSync(work, `${ready}.partial`)
      const fd = openSync(`${ready}.partial`, 'r+')
      fsyncSync(fd)
      closeSync(fd)
      renameSync(`${ready}.partial`, ready)
    })
    if (isPlainSqlite(ready)) throw new Error('the encrypted state database still has a plaintext header')
    const check = new Database(ready, { readonly: true, fileMustExist: true })
    try {
      keyDatabase(check, key)
      const ok = check.pragma('integrity_check', { simple: true })
      if (ok !== 'ok') throw new Error(`the encrypted state database fails its integrity check: ${String(ok)}`)
      const got = tableCounts(check)
      if (JSON.stringify(got) !== JSON.stringify(expected)) {
        throw new Error(
          'the encrypted state database does not hold the rows of the plaintext one; the plaintext is kept'
        )
      }
    } finally {
      if (check.open) check.close()
    }
    journal.done('state-verified')
  }
  if (existsSync(ready)) {
    for (const f of [path, `${path}-wal`, `${path}-shm`]) shred(f)
    renameSync(ready, path)
  }
  journal.done('state')
  return true
}
