import type { Readable, Writable } from 'node:stream'

/** The runtimes a policy may ask for. `runsc` is gVisor; `runc` is the kernel-namespaces default. */
export type SandboxRuntime = 'runc' | 'runsc'

/** A memory-backed filesystem inside the sandbox. */
export interface TmpfsMount {
  path: string
  sizeBytes: number
  /** owner of the mount's root directory */
  uid: number
  gid: number
  mode: number
}

/** Everything a driver needs to launch one sandbox; the hardening is the driver's job, not the caller's. */
export interface SandboxSpec {
  /** names the sandbox for people reading `docker ps`; unique per session */
  name: string
  image: string
  runtime: SandboxRuntime
  cpus: number
  memoryBytes: number
  pids: number
  /** uid:gid of the researcher: what exec and copies run as unless told otherwise */
  user: string
  /**
   * uid:gid of the sandbox's init, a service account that is neither root nor the researcher. It
   * unpacks the seed into `seedDir` (its own tmpfs), so the researcher can read the seeded files
   * but neither change them nor end the init.
   */
  initUser: string
  seedDir: string
  tmpfs: TmpfsMount[]
  /**
   * Host files mounted read-only, each a single regular file nobody may write (the project's
   * datasets, decrypted once per host): the only host paths a sandbox sees. The driver refuses
   * anything else (a directory, a link, a writable file, a target outside the data directory).
   */
  readOnlyFiles: ReadOnlyFile[]
  env: Record<string, string>
  /** labels that name gateway, session, user and project: how a restarted gateway finds its sandboxes */
  labels: Record<string, string>
  /**
   * When the sandbox ends itself, whoever watches it or not (its init exits, taking everything with
   * it). Also on a label, so that any gateway can see that a sandbox has outlived its time.
   */
  deadline: Date
}

/** A host file a sandbox reads and nobody in it can change. */
export interface ReadOnlyFile {
  /** absolute host path */
  source: string
  /** absolute path inside the sandbox */
  target: string
}

export interface SandboxInfo {
  id: string
  name: string
  labels: Record<string, string>
  running: boolean
  runtime: string
  /** the spec's deadline, or null for a sandbox that does not carry one */
  deadline: Date | null
  /** when the engine made it */
  createdAt: Date
}

/** The label that carries a sandbox's deadline (an ISO 8601 time). */
export const DEADLINE_LABEL = 'vre.deadline'
/** The exit code of a sandbox that ended itself at its deadline. */
export const DEADLINE_EXIT_CODE = 124

/** The deadline a sandbox's labels name, or null when they name none (or nothing readable). */
export function deadlineOf(labels: Record<string, string>): Date | null {
  const t = Date.parse(labels[DEADLINE_LABEL] ?? '')
  return Number.isNaN(t) ? null : new Date(t)
}

/** A sandbox just started; `seeded` settles once its init has unpacked the seed (or failed to). */
export interface StartedSandbox extends SandboxInfo {
  seeded: Promise<void>
}

export interface ExecOptions {
  cmd: string[]
  /** defaults to the researcher (the spec's `user`) */
  user?: string
  env?: Record<string, string>
  workdir?: string
  tty?: boolean
  /** keep stdin open for the caller to write to */
  stdin?: boolean
}

/** A process running inside a sandbox, reached only through the engine's exec stream. */
export interface ExecProcess {
  /** present when `stdin: true` was asked for */
  stdin: Writable | null
  stdout: Readable
  /** with a TTY, stderr is merged into stdout and this stream stays empty */
  stderr: Readable
  /** resolves with the exit code once the process ends */
  wait(): Promise<number>
  resize(cols: number, rows: number): Promise<void>
}

/** The result of a short command whose output is small enough to buffer. */
export interface RunResult {
  exitCode: number
  stdout: string
  stderr: string
}

/**
 * The sandbox seam (after JupyterHub's Spawner): start, poll, stop, exec, copy in and out, plus
 * list so a restarted gateway can re-adopt what it left running. Implementations: Docker now,
 * Kubernetes later, a fake for unit tests; one contract test runs against each.
 *
 * Rules every implementation keeps:
 * - stop is idempotent; stopping something already gone succeeds.
 * - "not found" from the engine means gone: poll reports it as ended, never throws for it.
 * - a runtime the engine does not have is an error, never a silent fallback to another.
 * - the only ways in and out are exec streams, the init's stdin at start, and tar archives.
 * - a sandbox ends itself at its spec's deadline; poll then says so.
 */
export interface SandboxDriver {
  readonly kind: string
  /** runtimes the engine offers, so a policy asking for one it lacks is refused up front */
  runtimes(): Promise<SandboxRuntime[]>
  /**
   * Starts a sandbox. `seed`, a tar stream (the project's datasets), is handed to the sandbox's
   * init, which unpacks it into `spec.seedDir` while the caller goes on: no exec is spent on it.
   * The sandbox is usable once `seeded` resolves; if it rejects, the caller stops the sandbox.
   */
  start(spec: SandboxSpec, seed?: Readable): Promise<StartedSandbox>
  /** null while running; the exit code and a reason once ended or gone */
  poll(id: string): Promise<null | { exitCode: number | null; reason: string }>
  stop(id: string): Promise<void>
  /** sandboxes, running or not, carrying every label given; `true` matches any value of that label */
  list(labels: Record<string, string | true>): Promise<SandboxInfo[]>
  exec(id: string, options: ExecOptions): Promise<ExecProcess>
  /** extracts a tar stream into `dir` inside the sandbox, as `user` (default the researcher) */
  copyIn(id: string, dir: string, tar: Readable, options?: { user?: string }): Promise<void>
  /**
   * A tar stream of `path` inside the sandbox. `exclusive` first ends every process of the
   * researcher (the init, another user, lives on), so nothing the researcher runs can stop or tamper with the copy (used when a
   * session ends). Treat the stream as researcher-controlled either way.
   */
  copyOut(id: string, path: string, options?: { exclusive?: boolean }): Promise<Readable>
  /** memory, CPU and process counts now, for monitoring, limit alerts and the benchmark */
  stats(id: string): Promise<SandboxStats | null>
  /**
   * Changes a running sandbox's CPU, memory and process limits in place (a policy changed while it
   * runs). Throws SandboxLimitsFixed when the runtime cannot (gVisor cannot): nothing changed then.
   */
  update(id: string, limits: SandboxLimits): Promise<void>
  /**
   * Calls `onEvent` for engine events of sandboxes carrying `labels` (a process killed for memory,
   * a sandbox that ended) until the returned function is called.
   */
  watch(labels: Record<string, string>, onEvent: (event: SandboxEvent) => void): () => void
}

/** The resource limits of a sandbox that may change while it runs. */
export interface SandboxLimits {
  cpus: number
  memoryBytes: number
  /** as the policy counts them (a driver scales them for its runtime, as at start) */
  pids: number
}

export interface SandboxStats {
  memoryBytes: number
  cpuPercent: number
  pids: number
  pidsLimit: number | null
}

export interface SandboxEvent {
  sandboxId: string
  labels: Record<string, string>
  /** oom: the kernel killed a process for memory; died: the sandbox ended */
  kind: 'oom' | 'died'
  exitCode: number | null
}

/** A sandbox the driver was asked about that does not exist (any more). */
export class SandboxGone extends Error {
  override name = 'SandboxGone'
}

/** The sandbox's runtime cannot change its limits while it runs: they stay as they were. */
export class SandboxLimitsFixed extends Error {
  override name = 'SandboxLimitsFixed'
}

/** The engine cannot run what was asked (missing runtime or image, engine down): nothing was started. */
export class SandboxUnavailable extends Error {
  override name = 'SandboxUnavailable'
}

/** Keeps the first `max` bytes of a stream, so a noisy process can't fill the gateway's memory. */
export function boundedCollector(max = 64 * 1024): { push(c: Buffer): void; text(): string } {
  const chunks: Buffer[] = []
  let size = 0
  let dropped = 0
  return {
    push(c: Buffer) {
      if (size >= max) {
        dropped += c.length
        return
      }
      const part = c.subarray(0, max - size)
      chunks.push(part)
      size += part.length
      dropped += c.length - part.length
    },
    text() {
      const t = Buffer.concat(chunks).toString('utf8').trim()
      return dropped > 0 ? `${t} [${dropped} more bytes not kept]` : t
    }
  }
}

/** Output a buffered command may print (stdout and stderr together) before it is cut off. */
export const RUN_MAX_BYTES = 64 * 1024 * 1024
/** How long a buffered command may take. */
export const RUN_TIMEOUT_MS = 120_000

/**
 * The image's `vre` service account: runs the sandbox's init, owns the datasets in it, and runs
 * the helpers whose answers the gateway relies on. The researcher (another uid) can neither
 * signal it nor reach into its processes' memory or open files.
 */
export const SANDBOX_SERVICE_USER = '1001:1001'

/**
 * The image's `vre-check` account: runs the checks that replay the researcher's queries (the
 * recount). Neither the researcher nor the service account, it can write neither the datasets
 * (/data) nor the researcher's home, and the researcher can't reach into its processes either.
 */
export const SANDBOX_CHECK_USER = '1002:1002'

/**
 * Runs a short command and buffers its output (probes, small reads). Large outputs should stream.
 * What runs in a sandbox is the researcher's to disturb (stop it, write into its output), so the
 * output is capped and the run has a deadline: past either, the streams are cut and it fails.
 */
export async function runInSandbox(
  driver: SandboxDriver,
  id: string,
  options: Omit<ExecOptions, 'tty' | 'stdin'> & { input?: string | Buffer; maxBytes?: number; timeoutMs?: number }
): Promise<RunResult> {
  const { input, maxBytes = RUN_MAX_BYTES, timeoutMs = RUN_TIMEOUT_MS, ...exec } = options
  const proc = await driver.exec(id, { ...exec, tty: false, stdin: input !== undefined })
  const out: Buffer[] = []
  const err: Buffer[] = []
  let size = 0
  let abort: (e: Error) => void = () => undefined
  const aborted = new Promise<never>((_, reject) => {
    abort = (e: Error) => {
      for (const s of [proc.stdout, proc.stderr, proc.stdin]) s?.destroy()
      reject(e)
    }
  })
  const timer = setTimeout(
    () => abort(new Error(`${exec.cmd[0]} did not finish within ${timeoutMs / 1000} s`)),
    timeoutMs
  )
  const drained = Promise.all(
    [
      [proc.stdout, out],
      [proc.stderr, err]
    ].map(
      ([stream, sink]) =>
        new Promise<void>((resolve, reject) => {
          const s = stream as Readable
          s.on('data', (c: Buffer) => {
            size += c.length
            if (size > maxBytes) abort(new Error(`${exec.cmd[0]} printed more than ${maxBytes} bytes`))
            else (sink as Buffer[]).push(c)
          })
          s.on('end', resolve)
          s.on('error', reject)
        })
    )
  )
  if (proc.stdin !== null) proc.stdin.end(input)
  try {
    // The exit code can be known before the last output arrives: wait for both.
    const [exitCode] = await Promise.race([Promise.all([proc.wait(), drained]), aborted])
    return { exitCode, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') }
  } finally {
    clearTimeout(timer)
    aborted.catch(() => undefined)
  }
}
