import { chmodSync, existsSync, mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import Database from 'better-sqlite3-multiple-ciphers'
import { signCheckpoint } from '../../audit/checkpoint.js'
import { fileStartsWith } from '../../keys/encrypted-file.js'
import type { AuditSigner } from '../../keys/keys.js'
import { type AuditEvent, type AuditRecord, AuditWriteFailed, chainRecord } from '../../audit/record.js'
import { MIGRATIONS } from './migrations.js'

/** Every this-many records a checkpoint is kept for good, so a rewritten chain can be located. */
export const CHECKPOINT_EVERY = 256

export interface SqliteStoreOptions {
  path: string
  /** null opens the store read-only (the audit verifier needs no signing key and writes nothing) */
  auditSigner: AuditSigner | null
  /** the 32-byte state key from the keyring: the file is SQLCipher, with no SQLite header and no plaintext */
  key: Buffer
  now?: () => Date
}

/** Runs `change` and appends `audit` (one event or several) in one IMMEDIATE transaction: all happen or none does. */
export type Audited = <T>(audit: AuditEvent | readonly AuditEvent[], change: () => T) => T

/**
 * What every aggregate's SQLite store shares: the one database, its prepared statements, the clock,
 * and `audited()`, the only way a mutation is written. Writes are synchronous inside IMMEDIATE
 * transactions, so the audit sequence is consistent even when the CLI writes while the gateway runs.
 */
export class SqliteCore {
  readonly db: Database.Database
  readonly now: () => Date
  private readonly signer: AuditSigner | null
  private readonly statements = new Map<string, Database.Statement>()

  constructor(options: SqliteStoreOptions) {
    const readonly = options.auditSigner === null
    if (options.key.length !== 32) throw new Error('the state database key must be 32 bytes')
    if (existsSync(options.path) && hasPlainSqliteHeader(options.path)) {
      throw new Error(`${options.path} is a plaintext SQLite database; run: vre data encrypt`)
    }
    if (readonly) {
      this.db = new Database(options.path, { readonly: true, fileMustExist: true })
      keyDatabase(this.db, options.key)
    } else {
      mkdirSync(dirname(options.path), { recursive: true, mode: 0o700 })
      this.db = new Database(options.path)
      keyDatabase(this.db, options.key)
      // Owner-only before WAL is switched on: SQLite gives the -wal and -shm files the database's mode.
      chmodSync(options.path, 0o600)
      this.db.pragma('journal_mode = WAL')
      this.db.pragma('synchronous = FULL')
    }
    this.db.pragma('foreign_keys = ON')
    this.db.pragma('busy_timeout = 5000')
    this.signer = options.auditSigner
    this.now = options.now ?? (() => new Date())
    if (!readonly) this.migrate()
  }

  /** A prepared statement, compiled once per SQL text: preparing is slower than running. */
  q(sql: string): Database.Statement {
    let st = this.statements.get(sql)
    if (st === undefined) {
      st = this.db.prepare(sql)
      this.statements.set(sql, st)
    }
    return st
  }

  private migrate(): void {
    this.db.exec(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)'
    )
    const applied = new Set(
      (this.db.prepare('SELECT version FROM schema_migrations').all() as { version: number }[]).map((r) => r.version)
    )
    // by version, whatever order they were written in
    for (const m of [...MIGRATIONS].sort((a, b) => a.version - b.version)) {
      if (applied.has(m.version)) continue
      this.db
        .transaction(() => {
          this.db.exec(m.sql)
          this.db
            .prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)')
            .run(m.version, m.name, this.now().toISOString())
        })
        .immediate()
    }
  }

  /** Runs `change` and appends `audit` (one event or several) in one IMMEDIATE transaction: all happen or none does. */
  readonly audited: Audited = (audit, change) =>
    this.db
      .transaction(() => {
        const result = change()
        for (const event of Array.isArray(audit) ? audit : [audit as AuditEvent]) this.appendInTx(event)
        return result
      })
      .immediate()

  /** Appends one record to the chain inside the caller's transaction; a failure is an AuditWriteFailed. */
  appendInTx(event: AuditEvent): AuditRecord {
    try {
      return this.appendChained(event)
    } catch (err) {
      throw new AuditWriteFailed(`audit write failed: ${(err as Error).message}`, { cause: err })
    }
  }

  private appendChained(event: AuditEvent): AuditRecord {
    const prev = this.q('SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1').get() as
      { seq: number; hash: string } | undefined
    const now = this.now()
    const record = chainRecord(event, prev ?? null, now)
    this.q(
      `INSERT INTO audit_log (seq, ts, actor, action, source_ip, target, outcome, details, prev_hash, hash)
         VALUES (@seq, @ts, @actor, @action, @sourceIp, @target, @outcome, @details, @prevHash, @hash)`
    ).run({ ...record, details: JSON.stringify(record.details) })
    if (this.signer === null) throw new Error('the store is open read-only')
    const checkpoint = signCheckpoint(record.seq, record.hash, now, this.signer)
    this.q(
      `INSERT INTO audit_head (id, seq, hash, signed_at, signature) VALUES (1, @seq, @hash, @signedAt, @signature)
         ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash,
           signed_at = excluded.signed_at, signature = excluded.signature`
    ).run(checkpoint)
    if (record.seq % CHECKPOINT_EVERY === 0)
      this.q(
        'INSERT INTO audit_checkpoints (seq, hash, signed_at, signature) VALUES (@seq, @hash, @signedAt, @signature)'
      ).run(checkpoint)
    return record
  }

  close(): void {
    if (this.db.open) this.db.close()
  }
}

const SQLITE_HEADER = Buffer.from('SQLite format 3\0', 'latin1')

/** True when the file starts with SQLite's plaintext header (a database from before encryption at rest). */
export function hasPlainSqliteHeader(path: string): boolean {
  return fileStartsWith(path, SQLITE_HEADER)
}

/**
 * SQLCipher 4 with a raw 256-bit key (no passphrase derivation: the key is random, from the keyring).
 * A wrong key is found here, not at the first query.
 */
export function keyDatabase(db: Database.Database, key: Buffer): void {
  db.pragma(`cipher = 'sqlcipher'`)
  db.pragma('legacy = 4')
  db.pragma(`key = "x'${key.toString('hex')}'"`)
  try {
    db.prepare('SELECT count(*) FROM sqlite_master').get()
  } catch {
    db.close()
    throw new Error("the state database does not open with the keyring's state key (another key provider or keyring?)")
  }
}
