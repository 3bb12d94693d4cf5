import { readFileSync } from 'node:fs'

/**
 * Admission control: a start is refused, with the figures, when the host has no room for another
 * sandbox, rather than started into a host that would then fail everyone's sessions (the kernel's
 * OOM killer choosing among them, forks failing). Room is what the host has free now, not the sum
 * of the sandboxes' limits: a limit is a ceiling, and idle sessions use a small part of theirs, so
 * counting limits would turn away most of what the host can serve. What an idle sandbox needs
 * (`sandboxMiB`, `sandboxThreads`) must be free above what is kept for the host itself.
 */
export interface AdmissionSettings {
  /** memory kept free for the host, the engine and the gateway (MiB) */
  reserveMiB: number
  /** what a new idle sandbox takes, its kernel included (MiB) */
  sandboxMiB: number
  /** threads (the kernel's tasks) kept free for the host */
  reserveThreads: number
  /** what a new sandbox starts with under gVisor (its sentry's and gofer's threads) */
  sandboxThreads: number
}

export const DEFAULT_ADMISSION: AdmissionSettings = {
  reserveMiB: 1024,
  sandboxMiB: 256,
  reserveThreads: 2048,
  sandboxThreads: 128
}

/** What the host has, read from the kernel. */
export interface HostReading {
  memTotalBytes: number
  memAvailableBytes: number
  /** tasks (threads) on the host now */
  threads: number
  /** the most the kernel allows: the lower of threads-max and pid_max */
  threadsMax: number
}

const MiB = 1024 * 1024

function meminfo(text: string, field: string): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(text)
  if (m === null) throw new Error(`/proc/meminfo has no ${field}`)
  return Number(m[1]) * 1024
}

/** Reads the host's memory and task counts; throws when the kernel does not say (fail closed). */
export function readHost(proc = '/proc'): HostReading {
  const mem = readFileSync(`${proc}/meminfo`, 'utf8')
  // the fourth field of loadavg is running/total tasks
  const tasks = /^\S+ \S+ \S+ \d+\/(\d+) /.exec(readFileSync(`${proc}/loadavg`, 'utf8'))
  if (tasks === null) throw new Error(`${proc}/loadavg does not say how many tasks run`)
  // a value that isn't a number comes out NaN, and admissionRefusal refuses on it
  const limit = (f: string) => Number(readFileSync(`${proc}/sys/kernel/${f}`, 'utf8').trim() || 'x')
  return {
    memTotalBytes: meminfo(mem, 'MemTotal'),
    memAvailableBytes: meminfo(mem, 'MemAvailable'),
    threads: Number(tasks[1]),
    threadsMax: Math.min(limit('threads-max'), limit('pid_max'))
  }
}

const gib = (bytes: number) => `${(bytes / 1024 / MiB).toFixed(1)} GiB`

/** What starts already under way will take, and what this start needs besides its sandbox. */
export interface Pending {
  /** sessions starting now (their sandboxes take memory any moment) */
  starting: number
  /** plaintext of this project's datasets not yet on the host: the start decrypts it into memory */
  datasetBytes: number
}

/** Why the host can't take another sandbox now, or null when it can. A figure that isn't one refuses. */
export function admissionRefusal(host: HostReading, s: AdmissionSettings, pending: Pending = { starting: 0, datasetBytes: 0 }): string | null {
  const figures = [host.memTotalBytes, host.memAvailableBytes, host.threads, host.threadsMax, pending.starting, pending.datasetBytes]
  if (!figures.every((n) => Number.isFinite(n) && n >= 0)) {
    return "the host's memory and task figures could not be read, so no start can be admitted"
  }
  const sandboxes = pending.starting + 1
  const needBytes = (s.reserveMiB + s.sandboxMiB * sandboxes) * MiB + pending.datasetBytes
  if (host.memAvailableBytes < needBytes) {
    const besides = [
      ...(pending.datasetBytes > 0 ? [`${Math.ceil(pending.datasetBytes / MiB)} MiB for its datasets, not yet on this host`] : []),
      ...(pending.starting > 0 ? [`${s.sandboxMiB} MiB for each of the ${pending.starting} starts under way`] : [])
    ]
    return (
      `the host has ${gib(host.memAvailableBytes)} of memory free (of ${gib(host.memTotalBytes)}); a new sandbox ` +
      `needs ${s.sandboxMiB} MiB${besides.length > 0 ? ` (and ${besides.join(' and ')})` : ''} above the ` +
      `${s.reserveMiB} MiB kept for the host. Try again when sessions have ended`
    )
  }
  if (host.threads + s.sandboxThreads * sandboxes + s.reserveThreads > host.threadsMax) {
    return (
      `the host runs ${host.threads} tasks of the ${host.threadsMax} it allows; a new sandbox needs ` +
      `${s.sandboxThreads}${pending.starting > 0 ? ` (as does each of the ${pending.starting} starts under way)` : ''} ` +
      `above the ${s.reserveThreads} kept for the host. Try again when sessions have ended`
    )
  }
  return null
}

/**
 * Why the host can't take another sandbox now, read from the kernel (or `read`), or null when it
 * can. A reading that fails refuses: no figures, no start.
 */
export async function roomRefusal(
  admission: { settings: AdmissionSettings; read?: () => HostReading },
  pending: () => Promise<Pending>
): Promise<string | null> {
  try {
    const under = await pending()
    return admissionRefusal((admission.read ?? readHost)(), admission.settings, under)
  } catch (err) {
    return `the host's memory and tasks could not be read (${(err as Error).message})`
  }
}

/** What the console shows of the host's room. */
export interface Capacity {
  memory: { totalBytes: number; availableBytes: number; reserveBytes: number; perSandboxBytes: number }
  threads: { running: number; max: number; reserve: number; perSandbox: number }
  /** how many more idle sandboxes fit now, by the tighter of the two */
  moreSandboxes: number
}

export function capacity(host: HostReading, s: AdmissionSettings): Capacity {
  const byMemory = Math.floor((host.memAvailableBytes - s.reserveMiB * MiB) / (s.sandboxMiB * MiB))
  const byThreads = Math.floor((host.threadsMax - s.reserveThreads - host.threads) / s.sandboxThreads)
  return {
    memory: {
      totalBytes: host.memTotalBytes,
      availableBytes: host.memAvailableBytes,
      reserveBytes: s.reserveMiB * MiB,
      perSandboxBytes: s.sandboxMiB * MiB
    },
    threads: { running: host.threads, max: host.threadsMax, reserve: s.reserveThreads, perSandbox: s.sandboxThreads },
    moreSandboxes: Math.max(0, Math.min(byMemory, byThreads))
  }
}
