import type { AuditAction } from './actions.js'
import type { Static } from 'typebox'
import { Errors } from '../errors.js'
import type { Keyring } from '../keys/keyring.js'
import type { Keys } from '../keys/keys.js'
import type { AuditPage, AuditQuery, ChainStatus } from '../schemas/audit.js'
import type { Store } from '../store/types.js'
import { EncryptedFileError } from '../keys/encrypted-file.js'
import { playbackText, readPart, recordingContext, recordingParts } from '../terminal/recording.js'
import type { DataOperationLog } from './data-operations.js'
import { exportLines } from './export.js'
import type { AuditRecord } from './record.js'
import { verifyChain } from './verify.js'

/** Longest range one export covers: a year, so an export stays a file an auditor can open. */
export const MAX_EXPORT_DAYS = 366

/** Who reads the log, from where: each reading is itself on record. */
export interface Reader {
  id: string
  username: string
  sourceIp: string | null
}

export interface AuditConsoleDeps {
  store: Store
  /** the audit keys, and the keyring whose project keys open recordings */
  keys: Pick<Keys, 'auditPublicKey' | 'auditSigner'> & { keyring: Pick<Keyring, 'key'> }
  dataOperations: Pick<DataOperationLog, 'read'>
  dataDir: string
  now: () => Date
}

/** A time from the query string; one the schema lets through but no clock has (23:59:60) is refused. */
function instant(text: string, name: string): Date {
  const at = new Date(text)
  if (Number.isNaN(at.getTime()))
    throw new Errors.BadRequest(`"${name}" is not a time we can read: ${text.slice(0, 40)}`)
  return at
}

/**
 * The audit console: search the log, check the chain, export a range signed for an auditor, play
 * back a session's terminal and read its data-operation log. Every export, playback and reading is
 * itself audited, before what it reads is handed out.
 */
export function createAuditConsole(deps: AuditConsoleDeps) {
  const { store } = deps
  const read = (by: Reader, action: AuditAction, target: string | null, details: Record<string, unknown>) =>
    store.appendAudit({ actor: by.id, action, sourceIp: by.sourceIp, target, outcome: 'success', details })

  // the response leaves out what a record holds besides (its link to the one before)
  const withUsernames = async (records: AuditRecord[]) => {
    const byId = new Map((await store.listUsers()).map((u) => [u.id, u.username]))
    return records.map((r) => ({ ...r, actorName: byId.get(r.actor) ?? null }))
  }

  async function existingSession(id: string): Promise<void> {
    if ((await store.getSandboxSession(id)) === null) throw new Errors.NotFound('There is no such session.')
  }

  return {
    async search(q: AuditQuery, by: Reader): Promise<Static<typeof AuditPage>> {
      const from = q.from === undefined ? undefined : instant(q.from, 'from')
      const to = q.to === undefined ? undefined : instant(q.to, 'to')
      if (from !== undefined && to !== undefined && from >= to) {
        throw new Errors.BadRequest('"from" must be before "to".')
      }
      // a username is what an administrator knows; the log records user ids
      const actor = q.actor === undefined ? undefined : ((await store.getUserByUsername(q.actor))?.id ?? q.actor)
      const limit = Math.min(Number(q.limit ?? 100), 500)
      await read(by, 'audit.search', null, { filter: { ...q } })
      const records = await store.searchAudit({
        actor,
        action: q.action,
        outcome: q.outcome,
        project: q.project,
        session: q.session,
        from: from?.toISOString(),
        to: to?.toISOString(),
        beforeSeq: q.before === undefined ? undefined : Number(q.before),
        limit
      })
      const last = records.at(-1)
      return {
        records: await withUsernames(records),
        next: records.length === limit && last !== undefined && last.seq > 1 ? String(last.seq) : null
      }
    },

    /** Walks the whole chain against the signed checkpoints, as `vre audit verify` does. */
    async verify(by: Reader): Promise<Static<typeof ChainStatus>> {
      const result = await verifyChain(store.auditRecords(), await store.auditCheckpoints(), deps.keys.auditPublicKey)
      await read(
        by,
        'audit.verify',
        null,
        result.ok
          ? { intact: true, records: result.records }
          : { intact: false, firstBrokenSeq: result.firstBrokenSeq, reason: result.reason }
      )
      return {
        ok: result.ok,
        records: result.records,
        headSeq: result.ok ? result.headSeq : null,
        firstBrokenSeq: result.ok ? null : result.firstBrokenSeq,
        reason: result.ok ? null : result.reason,
        checkedAt: deps.now().toISOString()
      }
    },

    /** A time range as JSON lines, the last line a seal signed with the audit key (see export.ts). */
    async export(
      range: { from: string; to: string },
      by: Reader
    ): Promise<{ filename: string; lines: AsyncIterable<string> }> {
      const from = instant(range.from, 'from')
      const to = instant(range.to, 'to')
      if (from >= to) throw new Errors.BadRequest('"from" must be before "to".')
      if (to.getTime() - from.getTime() > MAX_EXPORT_DAYS * 86_400_000) {
        throw new Errors.BadRequest(`An export covers at most ${MAX_EXPORT_DAYS} days; export longer periods in parts.`)
      }
      await read(by, 'audit.export', null, { from: from.toISOString(), to: to.toISOString() })
      return {
        filename: `vre-audit-${from.toISOString().slice(0, 10)}-${to.toISOString().slice(0, 10)}.jsonl`,
        lines: exportLines(
          store.auditRange(from.toISOString(), to.toISOString()),
          { from: from.toISOString(), to: to.toISOString(), exportedAt: deps.now(), exportedBy: by.username },
          deps.keys.auditSigner
        )
      }
    },

    /** Alerts the monitor raised, newest first. */
    alerts(): Promise<AuditRecord[]> {
      return store.searchAudit({ action: 'alert.raised', limit: 200 })
    },

    /** The terminal recordings of a session: one part per terminal opened. */
    async recordings(session: string): Promise<{ part: number; bytes: number; modifiedAt: string }[]> {
      await existingSession(session)
      return recordingParts(deps.dataDir, session).map(({ part, bytes, modifiedAt }) => ({ part, bytes, modifiedAt }))
    },

    /**
     * One recording, decrypted to be played back; the playback is on record first. A part the
     * gateway could not close (it stopped) plays what authenticates and ends saying it was cut
     * short; a part changed on disk is refused whole.
     */
    async recording(session: string, part: number, by: Reader): Promise<{ text: Buffer; complete: boolean }> {
      const found = recordingParts(deps.dataDir, session).find((p) => p.part === part)
      if (found === undefined) throw new Errors.NotFound('There is no such recording.')
      let played: Awaited<ReturnType<typeof readPart>>
      try {
        played = await readPart(found.file, (id) => deps.keys.keyring.key(id), recordingContext(session, found.part))
      } catch (err) {
        if (!(err instanceof EncryptedFileError)) throw err
        throw Object.assign(
          new Errors.Conflict('The recording was changed on disk (it does not authenticate); it is not played.'),
          { why: err.message }
        )
      }
      await read(by, 'recording.view', session, {
        session,
        part: found.part,
        bytes: played.text.length,
        ...(played.complete ? {} : { cutShort: true })
      })
      return { text: playbackText(played), complete: played.complete }
    },

    /**
     * A session's data-operation log, as far as it was written when read, decrypted. The audit
     * records of those cells keep the same `sourceSha256`; a record changed on disk does not
     * authenticate, and the log is then refused whole.
     */
    async dataOperations(session: string, by: Reader): Promise<{ text: Buffer }> {
      await existingSession(session)
      let text: Buffer
      try {
        text = await deps.dataOperations.read(session)
      } catch (err) {
        if (!(err instanceof EncryptedFileError)) throw err
        throw Object.assign(
          new Errors.Conflict("The session's data-operation log was changed on disk (it does not authenticate)."),
          { why: err.message }
        )
      }
      await read(by, 'data-operations.view', session, { session, bytes: text.length })
      return { text }
    }
  }
}

export type AuditConsole = ReturnType<typeof createAuditConsole>
