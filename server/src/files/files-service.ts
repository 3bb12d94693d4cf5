import { createHash } from 'node:crypto'
import type { AuditAction } from '../audit/actions.js'
import type { DisplayService } from '../display/display-service.js'
import { showFileText, showListing, viewerOf } from '../display/screen.js'
import type { Static } from 'typebox'
import type { FileContentView, FileListView } from '../schemas/files.js'
import type { Store } from '../store/types.js'
import type { WorkspaceFiles } from './workspace-files.js'

/** Who acts on the workspace, and from where: what their records name. */
export interface Caller {
  actor: string
  sourceIp: string | null
}

/** A running session of the caller's. */
export interface RunningSession {
  id: string
  projectId: string
  userId: string
  sandboxId: string
}

export interface FilesServiceDeps {
  store: Pick<Store, 'appendAudit'>
  files: WorkspaceFiles
  display: DisplayService
  /** the session was used: its idle clock starts again */
  touch: (sessionId: string) => void
}

/**
 * The Files view of a running session: the workspace tree, folders, rename and move, delete, move
 * to the outbox, and the text of notebooks and code for editing. Every change is audited before it
 * is made, and every read of contents with the digest of what was shown; a refused one changes
 * nothing and is recorded as refused.
 */
export function createFilesService(deps: FilesServiceDeps) {
  const { store, files, display } = deps

  /**
   * Audits an action on the caller's running session, then carries it out: the record is written
   * first, so nothing happens in the workspace that the audit log does not hold (fail closed). An
   * action that then fails or is refused gets a second record with its reason. A read (`after`
   * given) is recorded once it is done, with what it returned.
   */
  async function audited<T>(
    caller: Caller,
    s: RunningSession,
    action: AuditAction,
    details: Record<string, unknown>,
    act: (sandboxId: string) => Promise<T>,
    after?: (result: T) => Record<string, unknown>
  ): Promise<T> {
    deps.touch(s.id)
    const event = { actor: caller.actor, action, sourceIp: caller.sourceIp, target: s.id }
    if (after === undefined) await store.appendAudit({ ...event, outcome: 'success', details })
    let result: T
    try {
      result = await act(s.sandboxId)
    } catch (err) {
      const status = (err as { statusCode?: number }).statusCode ?? 500
      await store.appendAudit({
        ...event,
        outcome: status < 500 ? 'denied' : 'error',
        details: { ...details, reason: (err as Error).message }
      })
      throw err
    }
    if (after !== undefined)
      await store.appendAudit({ ...event, outcome: 'success', details: { ...details, ...after(result) } })
    return result
  }

  return {
    /** The workspace tree, as far as the display budget allows now (a listing is not audited). */
    async list(s: RunningSession): Promise<Static<typeof FileListView>> {
      const list = await files.list(s.sandboxId)
      const shown = showListing(display, viewerOf(s), list.entries)
      return { entries: shown.entries, truncated: list.truncated || shown.cut, displayCut: shown.cut }
    },
    makeFolder: (caller: Caller, s: RunningSession, path: string) =>
      audited(caller, s, 'file.folder', { path }, (sb) => files.makeFolder(sb, path)),
    move: (caller: Caller, s: RunningSession, from: string, to: string) =>
      audited(caller, s, 'file.move', { from, to }, (sb) => files.move(sb, from, to)),
    remove: (caller: Caller, s: RunningSession, path: string) =>
      audited(caller, s, 'file.delete', { path }, (sb) => files.remove(sb, path)),
    /** Moves a file or folder into outbox/, where the airlock's reviewers will see it. */
    toOutbox: (caller: Caller, s: RunningSession, path: string) =>
      audited(caller, s, 'file.outbox', { path }, (sb) => files.toOutbox(sb, path)),
    /** The text of a notebook or code file, as far as the display budget allows; data files are refused (415). */
    open: (caller: Caller, s: RunningSession, path: string): Promise<Static<typeof FileContentView>> =>
      audited(
        caller,
        s,
        'file.open',
        { path },
        async (sb) => {
          const f = await files.read(sb, path)
          return { ...f, ...showFileText(display, viewerOf(s), path, f.content) }
        },
        // what was shown, and what the budget held back
        (f) => ({
          size: f.size,
          shownBytes: Buffer.byteLength(f.content, 'utf8'),
          sha256: createHash('sha256').update(f.content).digest('hex'),
          ...(f.cut ? { heldBackBytes: f.cut.heldBackBytes } : {})
        })
      ),
    /** Saves a file; refused when it changed since `baseModifiedAt` (null: it must not exist yet). */
    save: (caller: Caller, s: RunningSession, path: string, content: string, baseModifiedAt: string | null) =>
      audited(caller, s, 'file.save', { path, bytes: Buffer.byteLength(content) }, (sb) =>
        files.write(sb, path, content, baseModifiedAt)
      )
  }
}

export type FilesService = ReturnType<typeof createFilesService>
