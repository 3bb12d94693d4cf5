import { existsSync, lstatSync, readdirSync } from 'node:fs'
import { join, relative } from 'node:path'
import { projectQuarantine } from '../../airlock/quarantine.js'
import { DataOperationLog } from '../../audit/data-operations.js'
import type { Store } from '../../store/types.js'
import { recordingParts } from '../../terminal/recording.js'
import { projectWorkspaces } from '../../sessions/workspace.js'
import type { KeyEntry, Keyring } from '../keyring.js'

/** A file an erasure deletes: its path under the data directory and its size. */
export interface ErasedFile {
  path: string
  bytes: number
}

/** Every file under `dir`, depth first, with its size; links are listed, never followed. */
export function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return []
  return readdirSync(dir, { withFileTypes: true })
    .sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((e) => {
      const path = join(dir, e.name)
      return e.isDirectory() ? filesUnder(path) : [path]
    })
}

/** Where the airlock keeps a project's quarantined and released files (one directory per project). */
const quarantineOf = (dataDir: string, projectId: string) => projectQuarantine(join(dataDir, 'quarantine'), projectId)

/** What erasing a project deletes and destroys; directories are removed whole once their files are gone. */
export interface ErasurePlan {
  /** the project's data key and the keys of the dataset versions only it holds, live ones only */
  keys: KeyEntry[]
  files: ErasedFile[]
  directories: string[]
}

/**
 * Finds what belongs to a project and nothing else: its workspaces, its quarantined and released
 * files, the recordings and data-operation logs of its sessions, and the datasets granted to it
 * (a dataset is granted to one project at most: its pseudonyms are that project's; see
 * projects/dataset-owner.ts), with the keys that protect them.
 */
export async function erasurePlan(
  deps: { store: Store; keyring: Keyring; dataDir: string },
  projectId: string
): Promise<ErasurePlan> {
  const { store, keyring, dataDir } = deps
  const project = await store.getProject(projectId)
  if (project === null) throw new Error(`no project ${projectId}`)
  const directories = [projectWorkspaces(dataDir, projectId), quarantineOf(dataDir, projectId)]
  const paths = directories.flatMap(filesUnder)

  const sessions = (await store.listSandboxSessions({})).filter((s) => s.projectId === projectId)
  const operations = new DataOperationLog(dataDir)
  for (const s of sessions) {
    paths.push(...recordingParts(dataDir, s.id).map((p) => p.file))
    const log = operations.file(s.id)
    if (existsSync(log)) paths.push(log)
  }

  const datasetScopes: string[] = []
  for (const d of project.datasets) {
    const holder = await store.getDatasetProject(d.id)
    if (holder?.id !== projectId) continue
    datasetScopes.push(`${d.id}@`)
    if (d.file !== null && existsSync(join(dataDir, d.file))) paths.push(join(dataDir, d.file))
  }

  const keys = keyring
    .entries()
    .filter((e) => e.destroyedAt === undefined)
    .filter(
      (e) =>
        (e.purpose === 'project' && e.scope === projectId) ||
        (e.purpose === 'dataset' && datasetScopes.some((s) => e.scope.startsWith(s)))
    )
  const files = [...new Set(paths)].map((p) => ({ path: relative(dataDir, p), bytes: lstatSync(p).size }))
  return { keys: keys.map((k) => ({ ...k })), files, directories }
}
