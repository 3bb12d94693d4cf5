import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { encryptedFileKeyId } from '../datasets/at-rest.js'
import type { DatasetVersion, Lease } from '../datasets/host-copies.js'
import { encryptedPlainSize } from '../keys/encrypted-file.js'
import type { SandboxPolicy } from '../policy/schema.js'
import { MiB, type SessionCore } from './core.js'
import type { MountedDataset } from './sandbox-spec.js'
import { DATA_DIR } from './workspace.js'

/** A project's dataset versions as its sandboxes mount them now, and the environment that names the first. */
export interface ProjectData {
  versions: (DatasetVersion & { name: string; bytes: number })[]
  env: Record<string, string>
}

/** The project's datasets with a file, each with its version's key; fails with the reason when one can't be mounted. */
export async function projectData(core: SessionCore, projectId: string, p: SandboxPolicy): Promise<ProjectData> {
  const { store, dataDir } = core.deps
  const project = await store.getProject(projectId)
  if (project === null) throw new Error('the project no longer exists')
  const datasets = project.datasets.filter((d) => d.file !== null)
  const env: Record<string, string> = {}
  if (datasets[0]) env.VRE_DATASET = `${DATA_DIR}/${datasets[0].name}.duckdb`
  for (const d of datasets) {
    if (!existsSync(join(dataDir, d.file!))) throw new Error(`the dataset ${d.name} has no file at ${d.file}`)
  }
  const versions = datasets.map((d) => {
    const path = join(dataDir, d.file!)
    return { datasetId: d.id, keyId: encryptedFileKeyId(path), path, name: d.name, bytes: encryptedPlainSize(path) }
  })
  const dataBytes = versions.reduce((n, v) => n + v.bytes, 0)
  if (dataBytes > p.dataMiB * MiB) {
    throw new Error(
      `the project's datasets take ${Math.ceil(dataBytes / MiB)} MiB, more than the ${p.dataMiB} MiB its policy ` +
        `allows them (sandbox.dataMiB); an administrator can raise it`
    )
  }
  return { versions, env }
}

/** The mounts of a project's datasets from the copies a lease holds. */
export function mountsOf(data: ProjectData, lease: Lease): MountedDataset[] {
  return data.versions.map((v) => ({
    keyId: v.keyId,
    source: lease.paths.get(v.keyId)!,
    target: `${DATA_DIR}/${v.name}.duckdb`
  }))
}
