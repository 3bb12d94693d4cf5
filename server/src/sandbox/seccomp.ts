import { readFileSync } from 'node:fs'
import { SandboxUnavailable } from './driver.js'

/** Where Debian's golang-github-docker-docker-dev puts the engine's default profile (same version as docker.io). */
export const ENGINE_DEFAULT_PROFILE = '/usr/share/gocode/src/github.com/docker/docker/profiles/seccomp/default.json'

/**
 * Syscalls a sandbox never needs that the engine's default allows: those that reach into another
 * process (ptrace is allowed to everyone on kernels >= 4.8, so a researcher could trace the
 * sandbox's init) and io_uring, a large kernel attack surface of its own.
 */
export const REMOVED_SYSCALLS: ReadonlySet<string> = new Set([
  'ptrace',
  'process_vm_readv',
  'process_vm_writev',
  'process_madvise',
  'kcmp',
  'pidfd_getfd',
  'io_uring_setup',
  'io_uring_enter',
  'io_uring_register'
])

interface SeccompRule {
  names?: string[]
  action: string
  [key: string]: unknown
}

export interface SeccompProfile {
  defaultAction: string
  syscalls?: SeccompRule[]
  [key: string]: unknown
}

/** The engine's default profile with the removed syscalls taken out of every rule that allows something. */
export function tightenProfile(base: SeccompProfile): SeccompProfile {
  if (base.defaultAction === 'SCMP_ACT_ALLOW') {
    throw new Error('the base seccomp profile allows by default; a deny-by-default profile is required')
  }
  const syscalls = (base.syscalls ?? []).flatMap((rule) => {
    if (rule.action !== 'SCMP_ACT_ALLOW' || rule.names === undefined) return [rule]
    const names = rule.names.filter((n) => !REMOVED_SYSCALLS.has(n))
    return names.length === 0 ? [] : [{ ...rule, names }]
  })
  return { ...base, syscalls }
}

/** The sandbox profile as the JSON the engine takes in `seccomp=`; missing base profile: no sandbox. */
export function sandboxSeccompProfile(path = process.env.VRE_SECCOMP_BASE ?? ENGINE_DEFAULT_PROFILE): string {
  let base: SeccompProfile
  try {
    base = JSON.parse(readFileSync(path, 'utf8')) as SeccompProfile
  } catch (err) {
    throw new SandboxUnavailable(
      `the engine's default seccomp profile could not be read at ${path} (${(err as Error).message}); ` +
        'install golang-github-docker-docker-dev (scripts/ensure-docker.sh does)'
    )
  }
  return JSON.stringify(tightenProfile(base))
}
