import { existsSync, lstatSync, readdirSync, rmSync } from 'node:fs'
import { join, relative } from 'node:path'
import { dayIn, projectState } from '../identity/index.js'
import type { SessionCore } from './core.js'
import { LIVE_STATES } from './transitions.js'
import { projectWorkspaces } from './workspace.js'

/** how long a project's workspaces outlive its end date when the policy does not say */
export const DEFAULT_RETENTION_DAYS = 30

/** The day `days` after the calendar day `day` (YYYY-MM-DD). */
export function addDays(day: string, days: number): string {
  const d = new Date(`${day}T00:00:00Z`)
  d.setUTCDate(d.getUTCDate() + days)
  return d.toISOString().slice(0, 10)
}

/** Every file under `dir`, depth first, with its size; links are listed, never followed. */
function filesUnder(dir: string): { path: string; bytes: number }[] {
  return readdirSync(dir, { withFileTypes: true })
    .sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((e) => {
      const path = join(dir, e.name)
      return e.isDirectory() ? filesUnder(path) : [{ path, bytes: lstatSync(path).size }]
    })
}

/**
 * Workspaces outlive their project by the policy's retention (sandbox.workspaceRetentionDays,
 * counted in days of the configured time zone after the end date): then, once none of the
 * project's sessions is live, they are deleted, and the audit records each file deleted (its
 * path under the data directory and size) with the counts. An end date moved later in time
 * keeps them.
 */
export function createRetention(core: SessionCore) {
  const { store, dataDir } = core.deps

  return async function wipeEndedProjects(): Promise<string[]> {
    const today = dayIn(core.deps.now(), core.deps.timeZone)
    const wiped: string[] = []
    for (const project of await store.listProjects()) {
      if (projectState(project, today) !== 'ended') continue
      const retentionDays = core.deps.policy(project.id).sandbox.workspaceRetentionDays ?? DEFAULT_RETENTION_DAYS
      const deleteOn = addDays(project.endDate, retentionDays + 1)
      if (today < deleteOn) continue
      const dir = projectWorkspaces(dataDir, project.id)
      if (!existsSync(dir)) continue
      const live = (await store.listSandboxSessions({ states: LIVE_STATES })).filter((s) => s.projectId === project.id)
      if (live.length > 0) continue
      const files = filesUnder(dir).map((f) => ({ path: relative(dataDir, f.path), bytes: f.bytes }))
      // recorded first: if the audit cannot be written, nothing is deleted
      await store.appendAudit(
        core.system('workspace.wipe', project.id, 'success', {
          project: project.title,
          endDate: project.endDate,
          retentionDays,
          directory: relative(dataDir, dir),
          fileCount: files.length,
          totalBytes: files.reduce((n, f) => n + f.bytes, 0),
          files
        })
      )
      rmSync(dir, { recursive: true, force: true })
      wiped.push(project.id)
    }
    return wiped
  }
}
