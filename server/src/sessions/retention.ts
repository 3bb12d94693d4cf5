import { lstatSync } from 'node:fs'
import { relative } from 'node:path'
import { dayIn, projectState } from '../identity/index.js'
import { eraseProject } from '../keys/erasure/erase.js'
import { erasurePlan, filesUnder } from '../keys/erasure/project-files.js'
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

/**
 * A project's data outlives the project by the policy's retention (sandbox.workspaceRetentionDays,
 * counted in days of the configured time zone after the end date): then, once none of the
 * project's sessions is live, it is erased (keys/erasure/): its workspaces are recorded as wiped
 * (each file's path under the data directory and size, as before), each key destroyed and the
 * erasure recorded, all before anything is gone; then its keys are destroyed, then its files
 * deleted. An end date moved later in time keeps them.
 */
export function createRetention(core: SessionCore) {
  const { store, dataDir, keyring } = core.deps

  return async function wipeEndedProjects(): Promise<string[]> {
    const today = dayIn(core.deps.now(), core.deps.timeZone)
    const wiped: string[] = []
    for (const project of await store.listProjects()) {
      if (projectState(project, today) !== 'ended') continue
      const retentionDays = core.deps.policy(project.id).sandbox.workspaceRetentionDays ?? DEFAULT_RETENTION_DAYS
      const deleteOn = addDays(project.endDate, retentionDays + 1)
      if (today < deleteOn) continue
      const deps = { store, keyring, dataDir, now: core.deps.now, actor: 'system' }
      const plan = await erasurePlan(deps, project.id)
      if (plan.keys.length === 0 && plan.files.length === 0) continue
      const live = (await store.listSandboxSessions({ states: LIVE_STATES })).filter((s) => s.projectId === project.id)
      if (live.length > 0) continue
      const dir = projectWorkspaces(dataDir, project.id)
      const files = filesUnder(dir).map((f) => ({ path: relative(dataDir, f), bytes: lstatSync(f).size }))
      // recorded first: if the audit cannot be written, nothing is deleted
      if (files.length > 0) {
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
      }
      await eraseProject(
        deps,
        project.id,
        `the project ended ${project.endDate}; its retention of ${retentionDays} days is over`
      )
      wiped.push(project.id)
    }
    return wiped
  }
}
