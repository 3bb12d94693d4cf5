import type { SandboxPolicy } from '../policy/schema.js'
import { type ReadOnlyFile, SANDBOX_SERVICE_USER, type SandboxSpec } from '../sandbox/driver.js'
import type { SandboxSessionRow } from '../store/types.js'
import { MiB } from './core.js'
import { sandboxDeadline } from './deadline.js'
import { DATA_DIR, HOME } from './workspace.js'

/** A notebook table result shows at most this many rows when the policy does not say. */
export const DEFAULT_ROW_CAP = 1000
const RESEARCHER = '1000:1000'

/** Labels on every sandbox: the gateway that owns it, and who and what it is for. */
export const LABELS = {
  gateway: 'vre.gateway',
  session: 'vre.session',
  user: 'vre.user',
  project: 'vre.project',
  /** the data keys of the dataset copies the sandbox mounts, comma-separated: what keeps them on the host */
  datasets: 'vre.datasets'
} as const

/** A dataset copy on the host, as a sandbox mounts it. */
export interface MountedDataset extends ReadOnlyFile {
  keyId: string
}

/** The data keys a sandbox's labels say its mounted datasets are under. */
export function mountedKeys(labels: Record<string, string>): string[] {
  const v = labels[LABELS.datasets]
  return v === undefined || v === '' ? [] : v.split(',')
}

/**
 * The sandbox one session runs in, as the project's policy makes it. No network, the root read-only
 * and the capabilities dropped are the driver's (SandboxSpec leaves no way to ask otherwise); what
 * is decided here is the room, who runs what, and when it ends itself.
 */
export function sandboxSpec(
  session: Pick<SandboxSessionRow, 'id' | 'userId' | 'projectId' | 'createdAt'>,
  gatewayId: string,
  p: SandboxPolicy,
  env: Record<string, string>,
  datasets: MountedDataset[] = []
): SandboxSpec {
  return {
    name: `vre-${gatewayId}-${session.id}`,
    image: p.image,
    runtime: p.runtime,
    cpus: p.cpus,
    memoryBytes: p.memoryMiB * MiB,
    pids: p.pids,
    user: RESEARCHER,
    initUser: SANDBOX_SERVICE_USER,
    seedDir: DATA_DIR,
    tmpfs: [
      { path: HOME, sizeBytes: p.workAreaMiB * MiB, uid: 1000, gid: 1000, mode: 0o700 },
      { path: '/tmp', sizeBytes: p.tmpMiB * MiB, uid: 0, gid: 0, mode: 0o1777 },
      // the init's, holding the staged workspace snapshot until the first shell has unpacked it;
      // the datasets are mounted on it, read-only, from the host's one copy
      { path: DATA_DIR, sizeBytes: p.workAreaMiB * MiB, uid: 1001, gid: 1001, mode: 0o755 }
    ],
    readOnlyFiles: datasets.map(({ source, target }) => ({ source, target })),
    env: {
      // DuckDB takes 80% of the container's memory per process by default; the terminal shell,
      // the notebook kernel and helpers may run at once.
      VRE_DUCKDB_MEMORY_LIMIT: `${Math.max(64, Math.floor(p.memoryMiB / 4))}MB`,
      VRE_ROW_CAP: String(p.rowCap ?? DEFAULT_ROW_CAP),
      ...env
    },
    labels: {
      [LABELS.gateway]: gatewayId,
      [LABELS.session]: session.id,
      [LABELS.user]: session.userId,
      [LABELS.project]: session.projectId,
      [LABELS.datasets]: datasets.map((d) => d.keyId).join(',')
    },
    deadline: sandboxDeadline(session.createdAt, p.maxDurationMinutes)
  }
}
