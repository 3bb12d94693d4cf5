import type { Duplex, Readable } from 'node:stream'
import Docker from 'dockerode'
import { containerOptions, EXEC_USER_LABEL, CONFINE, hostPidsLimit } from './container-spec.js'
import { engine, statusOf } from './docker-engine.js'
import { watchEngineEvents } from './docker-events.js'
import { execInContainer } from './docker-exec.js'
import { emptyTar, seedSandbox } from './docker-seed.js'
import { type EngineStats, sandboxStatsOf } from './docker-stats.js'
import {
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
import { copyIntoSandbox, copyOutOfSandbox } from './sandbox-copy.js'
import { sandboxSeccompProfile } from './seccomp.js'

// The launch spec and its constants are read from here by tests and benches.
export { CONFINE, containerOptions, EXEC_USER_LABEL, hostPidsLimit, INIT, RUNSC_PIDS_FACTOR } from './container-spec.js'

/**
 * Docker (dockerode) implementation of the sandbox seam. The launch spec is fixed in
 * container-spec.ts, not by callers: no network at all, read-only root, every capability dropped, no-new-privileges, pids,
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
    const seeded = seedSandbox(this.docker, init, seed ?? emptyTar(), startedUp, () => this.poll(container.id))
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
    const user = options.user ?? (await this.metaOf(id)).execUser
    const cmd = await this.confined(id, options.cmd, user)
    return execInContainer(this.docker, id, options, user, cmd, () => this.poll(id))
  }

  async copyIn(id: string, dir: string, tar: Readable, options: { user?: string } = {}): Promise<void> {
    return copyIntoSandbox((o) => this.exec(id, o), dir, tar, options)
  }

  async copyOut(id: string, path: string, options: { exclusive?: boolean } = {}): Promise<Readable> {
    return copyOutOfSandbox((o) => this.exec(id, o), path, options)
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
      const s = (await engine('stats', () => this.docker.getContainer(id).stats({ stream: false }))) as EngineStats
      return sandboxStatsOf(s)
    } catch (err) {
      if (err instanceof SandboxGone) return null
      throw err
    }
  }

  watch(labels: Record<string, string>, onEvent: (event: SandboxEvent) => void): () => void {
    return watchEngineEvents(this.docker, labels, onEvent)
  }
}
