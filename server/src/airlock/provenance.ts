import type { SandboxDriver } from '../sandbox/driver.js'
import type { CellExportRow, Store } from '../store/types.js'
import { parseTable } from './disclosure/table.js'
import type { FileEvidence } from './disclosure/types.js'
import { recountIndividuals, type RecountResult, unavailable } from './recount.js'

/** The most contributions kept with a file for its reviewers to read (the checks get them all). */
export const KEPT_CONTRIBUTIONS_MAX = 1000

/** Where an exported file came from: the cell export that wrote it, and what the recount found. */
export interface FileOrigin {
  made: CellExportRow | null
  recount: RecountResult | null
}

/**
 * The origin of a file of the outbox: the latest export by the requester, in a session of the
 * project, that wrote exactly this path (outbox/NAME.csv) with exactly these bytes. Two files with
 * the same bytes each keep their own query; a copy under another name, or in another project, has
 * none. For a SQL cell's CSV, the recount counts the people behind each row from that query.
 */
export async function fileOrigin(
  deps: { store: Store; driver: SandboxDriver },
  file: { path: string; sha256: string; bytes: Uint8Array },
  who: { userId: string; projectId: string; sandboxId: string },
  identifiers?: readonly string[]
): Promise<FileOrigin> {
  const m = /^outbox\/([^/]+)\.csv$/.exec(file.path)
  if (m === null) return { made: null, recount: null }
  const made = await deps.store.findCellExport({
    sha256: file.sha256,
    userId: who.userId,
    name: m[1]!,
    projectId: who.projectId
  })
  if (made === null || made.language !== 'sql') return { made, recount: null }
  try {
    const table = parseTable(file.bytes, { format: 'csv' })
    return { made, recount: await recountIndividuals(deps.driver, who.sandboxId, made.source, table, identifiers) }
  } catch (err) {
    return { made, recount: unavailable((err as Error).message) }
  }
}

/** What the checks learn from a file's origin: individuals, contributions, roles, residual df. */
export function evidenceOf({ made, recount }: FileOrigin): FileEvidence | undefined {
  const evidence: FileEvidence = {}
  if (recount !== null && 'individualsPerRow' in recount) {
    evidence.individualsPerRow = recount.individualsPerRow
    evidence.contributions = recount.contributions
    evidence.declaredRoles = recount.declaredRoles
  } else if (recount !== null) {
    evidence.recountUnavailable = recount.unavailable
  }
  if (typeof made?.residualDf === 'number') evidence.residualDf = made.residualDf
  return Object.keys(evidence).length > 0 ? evidence : undefined
}

/** The file's provenance as stored with it: the query, and the recount's findings for reviewers. */
export function provenanceOf({ made, recount }: FileOrigin): Record<string, unknown> | null {
  if (made === null) return null
  return {
    language: made.language,
    source: made.source,
    rows: made.rows,
    exportedAt: made.createdAt,
    sessionId: made.sessionId,
    ...(typeof made.residualDf === 'number' ? { residualDf: made.residualDf } : {}),
    recount:
      recount === null
        ? null
        : 'unavailable' in recount
          ? { unavailable: recount.unavailable }
          : {
              person: recount.person,
              ms: recount.ms,
              individualsPerRow: recount.individualsPerRow,
              declaredRoles: recount.declaredRoles,
              contributions: recount.contributions.slice(0, KEPT_CONTRIBUTIONS_MAX),
              ...(recount.contributions.length > KEPT_CONTRIBUTIONS_MAX
                ? { contributionsKept: KEPT_CONTRIBUTIONS_MAX, contributionsFound: recount.contributions.length }
                : {}),
              ...(recount.contributionsUnavailable !== undefined
                ? { contributionsUnavailable: recount.contributionsUnavailable }
                : {})
            }
  }
}
