import { type Duplex, PassThrough, type Readable } from 'node:stream'
import Docker from 'dockerode'
import { pack } from 'tar-stream'
import {
  boundedCollector,
  DEADLINE_EXIT_CODE,
  DEADLINE_LABEL,
  deadlineOf,
  type ExecOptions,
  type ExecProcess,
  SandboxGone,
  type SandboxDriver,
  type SandboxLimits,
  SandboxLimitsFixed,
  type SandboxEvent,
  type SandboxInfo,
  type SandboxStats,
  type SandboxRuntime,
  type SandboxSpec,
  SandboxUnavailable,
  type StartedSandbox
} from './driver.js'
import { sandboxSeccompProfile } from './seccomp.js'

interface EngineError {
  statusCode?: number
  reason?: string
  json?: { message?: string } | null
  message: string
}

const statusOf = (err: unknown): number | undefined => (err as EngineError | null)?.statusCode
const messageOf = (err: unknown): string =>
  (err as EngineError).json?.message ?? (err as EngineError).reason ?? (err as Error).message

/**
 * The one wrapper every engine call goes through: 404 means the container is gone (SandboxGone),
 * a connection failure means the engine is unavailable, anything else is passed on.
 */
async function engine<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call()
  } catch (err) {
    if (statusOf(err) === 404) throw new SandboxGone(`${what}: ${messageOf(err)}`)
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'ENOENT' || code === 'ECONNREFUSED' || code === 'EACCES') {
      throw new SandboxUnavailable(`the Docker engine cannot be reached (${code}); is dockerd running?`)
    }
    throw err
  }
}

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
const READY = 'vre-init: ready'

/**
 * Names the researcher's uid:gid on the container: the engine's default for exec is the container's
 * user, which is the init's service account, so every exec states its user and this is the default.
 */
export const EXEC_USER_LABEL = 'vre.exec-user'

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
      Mounts: [],
      AutoRemove: false,
      RestartPolicy: { Name: 'no' },
      LogConfig: { Type: 'none', Config: {} }
    }
  }
}

/**
 * Docker (dockerode) implementation of the sandbox seam. The launch spec is fixed here, not by
 * callers: no network at all, read-only root, every capability dropped, no-new-privileges, pids,
 * memory (no swap) and CPU limits, memory-backed work areas, no host paths, no Docker socket.
 */
export class DockerDriver implements SandboxDriver {
  readonly kind = 'docker'
  readonly docker: Docker

  constructor(options: Docker.DockerOptions = { socketPath: process.env.VRE_DOCKER_SOCKET ?? '/var/run/docker.sock' }) {
    this.docker = new Docker(options)
  }

  private runtimeCache: { at: number; runtimes: SandboxRuntime[] } | null = null
  private seccomp: string | null = null

  /** Read once; a missing base profile refuses every start rather than launching without one. */
  seccompProfile(): string {
    this.seccomp ??= sandboxSeccompProfile()
    return this.seccomp
  }

  async runtimes(): Promise<SandboxRuntime[]> {
    // `docker info` is slow; what runtimes the engine has changes only when it is reconfigured.
    if (this.runtimeCache !== null && Date.now() - this.runtimeCache.at < 30_000) return this.runtimeCache.runtimes
    const info = (await engine('docker info', () => this.docker.info())) as { Runtimes?: Record<string, unknown> }
    const runtimes = Object.keys(info.Runtimes ?? {}).filter((r): r is SandboxRuntime => r === 'runc' || r === 'runsc')
    this.runtimeCache = { at: Date.now(), runtimes }
    return runtimes
  }

  async start(spec: SandboxSpec, seed?: Readable): Promise<StartedSandbox> {
    const available = await this.runtimes()
    if (!available.includes(spec.runtime)) {
      throw new SandboxUnavailable(
        `the policy asks for runtime ${spec.runtime}, which this Docker engine does not have ` +
          `(it has ${available.join(', ') || 'none'}); sandboxes never fall back to another runtime`
      )
    }
    const options = containerOptions(spec, this.seccompProfile())
    let container: Docker.Container
    try {
      container = await engine('create', () => this.docker.createContainer(options))
    } catch (err) {
      if (err instanceof SandboxGone) {
        throw new SandboxUnavailable(
          `the sandbox image ${spec.image} is not on this engine; run scripts/build-sandbox-image.sh`
        )
      }
      throw err
    }
    let init: Duplex
    try {
      // attached before the start, so the init's first words are not missed
      init = (await engine('attach', () =>
        container.attach({ stream: true, hijack: true, stdin: true, stdout: true, stderr: true })
      )) as Duplex
    } catch (err) {
      await this.stop(container.id)
      throw err
    }
    // The seed flows from now on: what the socket holds is there the moment the init reads.
    let markStarted!: () => void
    let failStart!: (err: Error) => void
    const startedUp = new Promise<void>((resolve, reject) => {
      markStarted = resolve
      failStart = reject
    })
    const seeded = this.seed(container.id, init, seed ?? emptyTar(), startedUp)
    seeded.catch(() => undefined) // the caller awaits it; never an unhandled rejection meanwhile
    try {
      await engine('start', () => container.start())
      markStarted()
    } catch (err) {
      failStart(err as Error)
      await this.stop(container.id)
      throw err
    }
    this.meta.set(container.id, { runtime: spec.runtime, execUser: spec.user })
    return {
      id: container.id,
      name: spec.name,
      labels: spec.labels,
      running: true,
      runtime: spec.runtime,
      deadline: spec.deadline,
      createdAt: new Date(),
      seeded
    }
  }

  /** Feeds the seed to the init and waits for it to say it is ready, or for the sandbox to end. */
  private async seed(id: string, init: Duplex, seed: Readable, startedUp: Promise<void>): Promise<void> {
    const out = new PassThrough()
    const err = boundedCollector()
    const errStream = new PassThrough()
    errStream.on('data', (c: Buffer) => err.push(c))
    this.docker.modem.demuxStream(init, out, errStream)
    let finished = false
    try {
      const ready = new Promise<void>((resolve, reject) => {
        let said = ''
        out.on('data', (c: Buffer) => {
          said = (said + c.toString('utf8')).slice(-256)
          if (said.includes(READY)) resolve()
        })
        const ended = () => reject(new Error(`the sandbox's init did not unpack the data: ${err.text() || 'it ended'}`))
        init.on('end', ended)
        init.on('close', ended)
        init.on('error', ended)
        seed.on('error', (e: Error) => reject(new Error(`the data could not be read: ${e.message}`)))
      })
      // Under gVisor the attach stream can stay open when the sandbox dies: watch the sandbox too.
      const died = (async () => {
        await startedUp
        while (!finished) {
          await new Promise((r) => setTimeout(r, 500))
          const ended = finished ? null : await this.poll(id)
          if (ended !== null) throw new Error(`the sandbox ended while its data was unpacked: ${ended.reason}`)
        }
      })()
      seed.pipe(init)
      await Promise.race([ready, died])
    } finally {
      finished = true
      seed.destroy()
      init.destroy()
    }
  }

  async poll(id: string): Promise<null | { exitCode: number | null; reason: string }> {
    try {
      const info = await engine('inspect', () => this.docker.getContainer(id).inspect())
      if (info.State.Running) return null
      const reason = info.State.OOMKilled
        ? 'the sandbox ran out of memory'
        : info.State.ExitCode === DEADLINE_EXIT_CODE
          ? `the sandbox reached its deadline (${info.Config.Labels?.[DEADLINE_LABEL] ?? 'unknown'}) and ended itself`
          : `the sandbox exited with code ${info.State.ExitCode}`
      return { exitCode: info.State.ExitCode, reason }
    } catch (err) {
      if (err instanceof SandboxGone) return { exitCode: null, reason: 'the sandbox no longer exists' }
      throw err
    }
  }

  async stop(id: string): Promise<void> {
    this.meta.delete(id)
    try {
      await engine('remove', () => this.docker.getContainer(id).remove({ force: true, v: true }))
    } catch (err) {
      // gone already, or its removal is already under way: either way the goal is reached
      if (err instanceof SandboxGone || statusOf(err) === 409) return
      throw err
    }
  }

  async list(labels: Record<string, string | true>): Promise<SandboxInfo[]> {
    const found = await engine('list', () =>
      this.docker.listContainers({
        all: true,
        // `label=key` matches any value of the label
        filters: { label: Object.entries(labels).map(([k, v]) => (v === true ? k : `${k}=${v}`)) }
      })
    )
    return found.map((c) => ({
      id: c.Id,
      name: (c.Names[0] ?? '').replace(/^\//, ''),
      labels: c.Labels,
      running: c.State === 'running',
      runtime: (c.HostConfig as { Runtime?: string } | undefined)?.Runtime ?? '',
      deadline: deadlineOf(c.Labels),
      createdAt: new Date(c.Created * 1000)
    }))
  }

  async inspect(id: string): Promise<Docker.ContainerInspectInfo> {
    return engine('inspect', () => this.docker.getContainer(id).inspect())
  }

  private readonly meta = new Map<string, { runtime: string; execUser: string }>()

  /** Runtime and researcher of a sandbox, from the engine once, then remembered. */
  private async metaOf(id: string): Promise<{ runtime: string; execUser: string }> {
    let m = this.meta.get(id)
    if (m === undefined) {
      const info = await this.inspect(id)
      const execUser = info.Config.Labels?.[EXEC_USER_LABEL]
      // fail closed: without the label the default would be the init's account
      if (execUser === undefined) throw new Error(`sandbox ${id} does not name its researcher user`)
      m = { runtime: info.HostConfig.Runtime ?? 'runc', execUser }
      this.meta.set(id, m)
    }
    return m
  }

  /**
   * The command as the engine should start it. Under this gVisor release the engine's seccomp
   * profile reaches only the sandbox's init, so every process not started as root goes through
   * vre-confine, which installs a filter before running it.
   */
  async confined(id: string, cmd: string[], user: string): Promise<string[]> {
    const root = /^(0|root)(:|$)/.test(user)
    if (root || (await this.metaOf(id)).runtime !== 'runsc') return cmd
    return [CONFINE, ...cmd]
  }

  async exec(id: string, options: ExecOptions): Promise<ExecProcess> {
    const container = this.docker.getContainer(id)
    const tty = options.tty ?? false
    const user = options.user ?? (await this.metaOf(id)).execUser
    const cmd = await this.confined(id, options.cmd, user)
    const exec = await engine('exec', () =>
      container.exec({
        Cmd: cmd,
        User: user,
        ...(options.workdir !== undefined ? { WorkingDir: options.workdir } : {}),
        Env: Object.entries(options.env ?? {}).map(([k, v]) => `${k}=${v}`),
        AttachStdin: options.stdin ?? false,
        AttachStdout: true,
        AttachStderr: true,
        Tty: tty
      })
    )
    const stream = (await engine('exec start', () =>
      exec.start({ hijack: true, stdin: options.stdin ?? false, Tty: tty })
    )) as NodeJS.ReadWriteStream & { destroy(): void }
    const stdout = new PassThrough()
    const stderr = new PassThrough()
    if (tty) {
      stream.pipe(stdout)
      stderr.end()
    } else {
      this.docker.modem.demuxStream(stream, stdout, stderr)
      stream.on('end', () => {
        stdout.end()
        stderr.end()
      })
    }
    const ended = new Promise<void>((resolve) => {
      stream.on('end', resolve)
      stream.on('close', resolve)
      stream.on('error', () => resolve())
    })
    return {
      stdin: options.stdin ? (stream as unknown as NodeJS.WritableStream as ExecProcess['stdin']) : null,
      stdout,
      stderr,
      wait: async () => {
        // Under gVisor the exec stream stays open when the sandbox dies: watch the sandbox too.
        let streamEnded = false
        void ended.then(() => (streamEnded = true))
        const sandboxEnded = (async () => {
          while (!streamEnded) {
            await new Promise((r) => setTimeout(r, 500))
            if (!streamEnded && (await this.poll(id)) !== null) return true
          }
          return false
        })()
        if (await Promise.race([ended.then(() => false), sandboxEnded])) {
          stream.destroy()
          stdout.end()
          stderr.end()
          const info = await exec.inspect().catch(() => null)
          return info?.ExitCode ?? 137
        }
        // The stream can end a moment before the engine records the exit code.
        for (let delay = 1; delay < 2000; delay *= 2) {
          const info = await engine('exec inspect', () => exec.inspect())
          if (!info.Running && info.ExitCode !== null) return info.ExitCode
          await new Promise((r) => setTimeout(r, delay))
        }
        throw new Error('the engine did not report the exit code of a finished exec')
      },
      resize: async (cols, rows) => {
        await engine('exec resize', () => exec.resize({ h: rows, w: cols }))
      }
    }
  }

  async copyIn(id: string, dir: string, tar: Readable, options: { user?: string } = {}): Promise<void> {
    // Through an exec'd tar, not the archive API: the archive API writes under the root
    // filesystem (read-only here) and cannot see tmpfs mounts.
    const proc = await this.exec(id, {
      cmd: ['tar', '-x', '-f', '-', '-C', dir, '--no-same-owner', '--no-overwrite-dir'],
      ...(options.user !== undefined ? { user: options.user } : {}),
      stdin: true
    })
    const err = boundedCollector()
    proc.stderr.on('data', (c: Buffer) => err.push(c))
    proc.stdout.resume()
    tar.pipe(proc.stdin!)
    const code = await proc.wait()
    if (code !== 0) throw new Error(`copying into the sandbox failed: ${err.text()}`)
  }

  async copyOut(id: string, path: string, options: { exclusive?: boolean } = {}): Promise<Readable> {
    const slash = path.lastIndexOf('/')
    const parent = slash <= 0 ? '/' : path.slice(0, slash)
    const base = path.slice(slash + 1)
    const tar = ['tar', '-c', '-f', '-', '-C', parent, '--', base]
    // kill(-1) reaches every process of the user but the caller itself and init.
    const cmd = options.exclusive ? ['sh', '-c', 'kill -KILL -1 2>/dev/null; exec "$@"', 'sh', ...tar] : tar
    const proc = await this.exec(id, { cmd })
    const out = new PassThrough()
    const err = boundedCollector()
    proc.stderr.on('data', (c: Buffer) => err.push(c))
    proc.stdout.pipe(out, { end: false })
    // a reader that gives up (a refused archive) closes the exec's stream, so tar stops too
    out.on('close', () => {
      if (!proc.stdout.readableEnded) proc.stdout.destroy()
    })
    void Promise.all([proc.wait(), new Promise((r) => proc.stdout.on('end', r))]).then(
      ([code]) => {
        if (code === 0) out.end()
        else out.destroy(new Error(`copying out of the sandbox failed: ${err.text()}`))
      },
      (e: unknown) => out.destroy(e as Error)
    )
    return out
  }

  /**
   * The engine's container update. runsc (gVisor) has no update command, so the engine refuses it
   * for a gVisor sandbox and changes nothing; that is reported as SandboxLimitsFixed.
   */
  async update(id: string, limits: SandboxLimits): Promise<void> {
    const { runtime } = await this.metaOf(id)
    try {
      await engine('update', () =>
        this.docker.getContainer(id).update({
          NanoCpus: Math.round(limits.cpus * 1e9),
          Memory: limits.memoryBytes,
          MemorySwap: limits.memoryBytes,
          PidsLimit: hostPidsLimit({ pids: limits.pids, runtime: runtime as SandboxRuntime })
        })
      )
    } catch (err) {
      if (runtime === 'runsc' && !(err instanceof SandboxGone) && !(err instanceof SandboxUnavailable)) {
        throw new SandboxLimitsFixed(
          'the gVisor (runsc) runtime cannot change the limits of a running sandbox; they apply from the next session'
        )
      }
      throw err
    }
  }

  async stats(id: string): Promise<SandboxStats | null> {
    try {
      const s = (await engine('stats', () => this.docker.getContainer(id).stats({ stream: false }))) as {
        memory_stats: { usage?: number; stats?: Record<string, number> }
        cpu_stats: { cpu_usage: { total_usage: number }; system_cpu_usage?: number; online_cpus?: number }
        precpu_stats: { cpu_usage: { total_usage: number }; system_cpu_usage?: number }
        pids_stats?: { current?: number; limit?: number }
      }
      const cache = s.memory_stats.stats?.inactive_file ?? s.memory_stats.stats?.cache ?? 0
      const memoryBytes = Math.max(0, (s.memory_stats.usage ?? 0) - cache)
      const cpuDelta = s.cpu_stats.cpu_usage.total_usage - s.precpu_stats.cpu_usage.total_usage
      const sysDelta = (s.cpu_stats.system_cpu_usage ?? 0) - (s.precpu_stats.system_cpu_usage ?? 0)
      const cpuPercent = sysDelta > 0 ? (cpuDelta / sysDelta) * (s.cpu_stats.online_cpus ?? 1) * 100 : 0
      return { memoryBytes, cpuPercent, pids: s.pids_stats?.current ?? 0, pidsLimit: s.pids_stats?.limit ?? null }
    } catch (err) {
      if (err instanceof SandboxGone) return null
      throw err
    }
  }

  watch(labels: Record<string, string>, onEvent: (event: SandboxEvent) => void): () => void {
    let stopped = false
    let current: NodeJS.ReadableStream | null = null
    const subscribe = async () => {
      while (!stopped) {
        try {
          const stream = (await this.docker.getEvents({
            filters: {
              type: ['container'],
              event: ['oom', 'die'],
              label: Object.entries(labels).map(([k, v]) => `${k}=${v}`)
            }
          })) as NodeJS.ReadableStream
          current = stream
          let buffered = ''
          await new Promise<void>((resolve) => {
            stream.on('data', (chunk: Buffer) => {
              buffered += chunk.toString('utf8')
              let nl: number
              while ((nl = buffered.indexOf('\n')) >= 0) {
                const line = buffered.slice(0, nl)
                buffered = buffered.slice(nl + 1)
                if (line.trim() === '') continue
                const e = JSON.parse(line) as {
                  id: string
                  Action: string
                  Actor?: { Attributes?: Record<string, string> }
                }
                const attrs = e.Actor?.Attributes ?? {}
                onEvent({
                  sandboxId: e.id,
                  labels: attrs,
                  kind: e.Action === 'oom' ? 'oom' : 'died',
                  exitCode: attrs.exitCode === undefined ? null : Number(attrs.exitCode)
                })
              }
            })
            stream.on('end', resolve)
            stream.on('close', resolve)
            stream.on('error', () => resolve())
          })
        } catch {
          // the engine is away: try again shortly
        }
        if (!stopped) await new Promise((r) => setTimeout(r, 1000))
      }
    }
    void subscribe()
    return () => {
      stopped = true
      ;(current as unknown as { destroy?: () => void } | null)?.destroy?.()
    }
  }
}

/** A tar archive with no entries: what the init gets when there is nothing to seed. */
function emptyTar(): Readable {
  const p = pack()
  p.finalize()
  return p as unknown as Readable
}
