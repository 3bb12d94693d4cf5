import { lstatSync, realpathSync } from 'node:fs'
import { isAbsolute, normalize } from 'node:path'
import type Docker from 'dockerode'
import { DEADLINE_LABEL, type ReadOnlyFile, SandboxUnavailable, type SandboxSpec } from './driver.js'

const tmpfsOptions = (m: SandboxSpec['tmpfs'][number]) =>
  `rw,nosuid,nodev,size=${m.sizeBytes},uid=${m.uid},gid=${m.gid},mode=${m.mode.toString(8).padStart(4, '0')}`

/**
 * Under gVisor the engine's pids limit counts the sandbox kernel's own host threads (about 50 at
 * start and several per guest process), not the researcher's processes; the policy's number is
 * scaled so it means roughly the same under both runtimes. A fork bomb still meets the limit.
 */
export const RUNSC_PIDS_FACTOR = 4

/** Installed in the sandbox image (sandbox-images/tools/bin/vre-confine). */
export const CONFINE = '/opt/vre/bin/vre-confine'

/**
 * The sandbox's init under tini (sandbox-images/tools/bin/vre-init): unpacks the tar on its stdin
 * into the directory it is given, prints READY, then waits until the deadline, the number of
 * seconds it is given, and exits with DEADLINE_EXIT_CODE, ending the sandbox.
 */
export const INIT = '/opt/vre/bin/vre-init'
/** What the init prints once the seed is unpacked. */
export const READY = 'vre-init: ready'

/**
 * Names the researcher's uid:gid on the container: the engine's default for exec is the container's
 * user, which is the init's service account, so every exec states its user and this is the default.
 */
export const EXEC_USER_LABEL = 'vre.exec-user'

/** Where inside a sandbox read-only host files may appear: its data directory, one level down. */
const READ_ONLY_TARGET = /^\/data\/[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/

/**
 * Checks a read-only host file before it is mounted, failing closed: an absolute, normalized path
 * to a regular file (not a link, a directory or a device) that nobody can write, execute or run
 * set-id, shown at a plain path in the sandbox's data directory. The engine's bind mounts take no
 * noexec, nosuid or nodev flags, so the file itself must offer nothing they would take away.
 */
export function checkReadOnlyFile(f: ReadOnlyFile): void {
  const refuse = (why: string) => {
    throw new SandboxUnavailable(`refusing to mount ${f.source} at ${f.target}: ${why}`)
  }
  if (!isAbsolute(f.source) || normalize(f.source) !== f.source) refuse('the host path is not absolute and normal')
  if (!READ_ONLY_TARGET.test(f.target) || f.target.endsWith('.') || f.target.includes('..')) {
    refuse('only a plain file name in /data may be mounted')
  }
  let st
  try {
    st = lstatSync(f.source)
  } catch {
    return refuse('it does not exist')
  }
  if (!st.isFile()) refuse('it is not a regular file')
  // no link anywhere on the way: what is checked is what the engine binds
  if (realpathSync(f.source) !== f.source) refuse('its path goes through a link')
  if ((st.mode & 0o7777) !== 0o444) refuse(`its mode is ${(st.mode & 0o7777).toString(8)}, not 444 (read-only for all)`)
}

export function hostPidsLimit(spec: Pick<SandboxSpec, 'pids' | 'runtime'>): number {
  return spec.runtime === 'runsc' ? spec.pids * RUNSC_PIDS_FACTOR : spec.pids
}

/**
 * The create options for a sandbox: the launch spec of SECURITY.md, in one place. The init counts
 * its deadline from its own start, in seconds from `now`, so the engine host's clock rules.
 */
export function containerOptions(
  spec: SandboxSpec,
  seccompProfile: string,
  now = Date.now()
): Docker.ContainerCreateOptions {
  const seconds = Math.max(0, Math.floor((spec.deadline.getTime() - now) / 1000))
  return {
    name: spec.name,
    Image: spec.image,
    User: spec.initUser,
    Cmd: [INIT, spec.seedDir, String(seconds)],
    Env: Object.entries(spec.env).map(([k, v]) => `${k}=${v}`),
    Labels: { ...spec.labels, [EXEC_USER_LABEL]: spec.user, [DEADLINE_LABEL]: spec.deadline.toISOString() },
    WorkingDir: '/home/researcher',
    // the seed reaches the init on stdin, once; nothing else is ever attached
    OpenStdin: true,
    StdinOnce: true,
    AttachStdin: true,
    AttachStdout: true,
    AttachStderr: true,
    Tty: false,
    NetworkDisabled: false,
    HostConfig: {
      NetworkMode: 'none',
      Runtime: spec.runtime,
      ReadonlyRootfs: true,
      Privileged: false,
      CapDrop: ['ALL'],
      CapAdd: [],
      SecurityOpt: ['no-new-privileges:true', `seccomp=${seccompProfile}`],
      PidsLimit: hostPidsLimit(spec),
      Memory: spec.memoryBytes,
      MemorySwap: spec.memoryBytes,
      NanoCpus: Math.round(spec.cpus * 1e9),
      Tmpfs: Object.fromEntries(spec.tmpfs.map((m) => [m.path, tmpfsOptions(m)])),
      IpcMode: 'private',
      Binds: [],
      Mounts: spec.readOnlyFiles.map((f) => {
        checkReadOnlyFile(f)
        return { Type: 'bind', Source: f.source, Target: f.target, ReadOnly: true, BindOptions: { Propagation: 'rprivate' } }
      }),
      AutoRemove: false,
      RestartPolicy: { Name: 'no' },
      LogConfig: { Type: 'none', Config: {} }
    }
  }
}
