import type { ExportCellView, FileEntry } from '../schemas/files.js'
import type { CellResult } from '../schemas/sessions.js'
import { quoteSandboxText, showCellOutputs, viewerOf } from '../display/screen.js'
import type { DisplayService } from '../display/display-service.js'
import { Errors } from '../errors.js'
import { WORK_DIR } from '../sessions/workspace.js'
import type { Store } from '../store/types.js'
import {
  bounded,
  type Caller,
  createDataOperationRecord,
  type DataOperationRecordDeps,
  outputKinds
} from './data-operation-record.js'
import { type CellLanguage, type KernelService, OUTBOX_DIR } from './kernel-service.js'

/** A running session of the caller's, as a cell needs it. */
export interface RunningSession {
  id: string
  projectId: string
  userId: string
  sandboxId: string
}

export interface CellServiceDeps extends DataOperationRecordDeps {
  store: Pick<Store, 'appendAudit' | 'cellExportSourceBytes' | 'recordCellExport'>
  kernels: Pick<KernelService, 'run' | 'exportResult' | 'interrupt' | 'restart'>
  display: DisplayService
  /** the session was used: its idle clock starts again */
  touch: (sessionId: string) => void
}

/** A file the kernel says it wrote into the outbox, as the Files view lists it; null if it is not one. */
function exportedFile(f: unknown): FileEntry | null {
  if (typeof f !== 'object' || f === null) return null
  const { path, size, modifiedAt } = f as Record<string, unknown>
  if (typeof path !== 'string' || !path.startsWith(`${OUTBOX_DIR}/`) || typeof size !== 'number') return null
  if (typeof modifiedAt !== 'string') return null
  const rel = path.slice(WORK_DIR.length + 1)
  return { path: rel, name: rel.slice(rel.lastIndexOf('/') + 1), type: 'file', size, modifiedAt }
}

function digestOf(f: unknown): string | null {
  const d = typeof f === 'object' && f !== null ? (f as Record<string, unknown>).sha256 : undefined
  return typeof d === 'string' && /^[0-9a-f]{64}$/.test(d) ? d : null
}

/**
 * Notebook cells in a running session: SQL on DuckDB with the dataset attached, Python on the
 * sandbox's ipykernel. Every source run or exported goes to the data-operation log first (whole),
 * and to the audit (digest and excerpt) with how it ended; the kernel's words reach the researcher
 * only within the session's display budget.
 */
export function createCellService(deps: CellServiceDeps) {
  const { store, kernels, display } = deps
  const record = createDataOperationRecord(deps)

  return {
    /** Runs a cell; a kernel that fails answers 409 with its words quoted, and the failure is audited. */
    async run(
      caller: Caller,
      s: RunningSession,
      cell: { language: CellLanguage; source: string }
    ): Promise<CellResult> {
      const { language, source } = cell
      deps.touch(s.id)
      // the whole source is on record before the cell runs; its audit records keep a digest and an excerpt
      const logged = await record(caller, s, { action: 'cell.run', language, source })
      const started = Date.now()
      const event = { actor: caller.actor, action: 'cell.run' as const, sourceIp: caller.sourceIp, target: s.id }
      let reply: Awaited<ReturnType<typeof kernels.run>>
      try {
        reply = await kernels.run(s.id, s.sandboxId, { language, source })
      } catch (err) {
        await store.appendAudit({
          ...event,
          outcome: 'error',
          details: { language, ...logged, reason: bounded((err as Error).message) }
        })
        const why = quoteSandboxText(display, viewerOf(s), (err as Error).message)
        throw new Errors.Conflict(`The cell could not be run: ${why}.`)
      }
      deps.touch(s.id)
      await store.appendAudit({
        ...event,
        outcome: reply.status === 'ok' ? 'success' : 'error',
        details: { language, ...logged, ms: Date.now() - started, outputs: outputKinds(reply.outputs) }
      })
      return {
        status: reply.status,
        outputs: showCellOutputs(display, viewerOf(s), reply.outputs),
        durationMs: reply.durationMs ?? null,
        executionCount: reply.executionCount ?? null
      }
    },

    /**
     * Sends a cell's result to the outbox for the airlock: every row as outbox/NAME.csv, the cell's
     * source beside it. The CSV's digest is bound to this source (the airlock recounts individuals
     * from it); an export the kernel could not make is audited as an error and refused.
     */
    async export(
      caller: Caller,
      s: RunningSession,
      cell: { language: CellLanguage; source: string; name: string }
    ): Promise<ExportCellView> {
      const { language, source, name } = cell
      deps.touch(s.id)
      const logged = await record(caller, s, { action: 'cell.export', language, source, name })
      const result = await kernels.exportResult(s.id, s.sandboxId, { language, source, name }).catch((err: unknown) => {
        const why = quoteSandboxText(display, viewerOf(s), (err as Error).message)
        throw new Errors.Conflict(`The result could not be sent to the outbox: ${why}.`)
      })
      const files = [result.csv, result.query].map((f) => exportedFile(f))
      const error = result.outputs.find((o) => o.type === 'error')
      const sha256 = digestOf(result.csv)
      const audit = {
        actor: caller.actor,
        action: 'cell.export' as const,
        sourceIp: caller.sourceIp,
        target: s.id,
        details: {
          language,
          ...logged,
          name,
          rows: result.rows ?? null,
          csvSha256: sha256,
          ...(error ? { reason: bounded(`${error.ename}: ${error.evalue}`) } : {})
        }
      }
      const ok =
        result.status === 'ok' &&
        error === undefined &&
        !files.includes(null) &&
        typeof result.rows === 'number' &&
        sha256 !== null
      if (!ok) {
        await store.appendAudit({ ...audit, outcome: 'error' })
        // the kernel's words are the researcher's query's: quoted within the display budget
        const why = error
          ? quoteSandboxText(display, viewerOf(s), `${error.ename}: ${error.evalue}`)
          : 'the kernel gave no file'
        const Refusal = error?.ename === 'FileExistsError' ? Errors.Conflict : Errors.BadRequest
        throw new Refusal(`The result could not be sent to the outbox: ${why}`)
      }
      // a model's residual degrees of freedom, as the export helper read them off the model (whole
      // ones, rounded down); anything else is not recorded, and the residual-df check asks for review
      const residualDf =
        typeof result.residualDf === 'number' && Number.isFinite(result.residualDf) && result.residualDf >= 0
          ? Math.min(Math.floor(result.residualDf), Number.MAX_SAFE_INTEGER)
          : null
      // the copy of the source kept here counts against the session's data-operation quota too
      await store.recordCellExport(
        {
          sha256: sha256!,
          sessionId: s.id,
          userId: caller.actor,
          name,
          language,
          source,
          rows: result.rows as number,
          createdAt: deps.now().toISOString(),
          residualDf
        },
        { ...audit, outcome: 'success' }
      )
      return {
        csv: files[0]!,
        query: files[1]!,
        rows: result.rows as number,
        ...(residualDf !== null ? { residualDf } : {})
      }
    },

    /** Interrupts the running cell, or restarts the kernel (temporary tables and variables are gone). */
    async kernel(op: 'interrupt' | 'restart', caller: Caller, s: RunningSession): Promise<CellResult> {
      const reply = await kernels[op](s.id, s.sandboxId)
      await store.appendAudit({
        actor: caller.actor,
        action: `kernel.${op}`,
        sourceIp: caller.sourceIp,
        target: s.id,
        outcome: 'success'
      })
      return {
        status: reply.status,
        outputs: showCellOutputs(display, viewerOf(s), reply.outputs),
        durationMs: null,
        executionCount: null
      }
    }
  }
}

export type CellService = ReturnType<typeof createCellService>
