import { randomUUID } from 'node:crypto'
import {
  chmodSync,
  copyFileSync,
  createReadStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync
} from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, normalize, relative } from 'node:path'
import { PassThrough, Readable } from 'node:stream'
import { extract, pack } from 'tar-stream'
import { unsafeName } from '../../server/src/archive/safe-tar.js'
import {
  DEADLINE_EXIT_CODE,
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
} from '../../server/src/sandbox/driver.js'

interface FakeSandbox {
  seeded: Promise<void>
  info: SandboxInfo
  spec: SandboxSpec
  root: string
  exitCode: number | null
  reason: string | null
}

/**
 * An in-process stand-in for fast unit tests of the logic above the seam (sessions, reaper,
 * re-adoption). Each sandbox is a temporary directory; exec understands a handful of commands
 * (echo, cat, mkdir -p, sh -c 'exit N', true, false, sleep) and nothing else. It proves nothing
 * about isolation: that is what the Docker tests are for.
 */
export class FakeDriver implements SandboxDriver {
  readonly kind = 'fake'
  readonly sandboxes = new Map<string, FakeSandbox>()
  available: SandboxRuntime[] = ['runc', 'runsc']
  private readonly base = mkdtempSync(join(tmpdir(), 'vre-fake-sandbox-'))

  async runtimes(): Promise<SandboxRuntime[]> {
    return [...this.available]
  }

  /** while set, starts wait for it: lets a test watch a session that is still starting */
  holdStarts: Promise<void> | null = null
  /** while set, unpacking the seed waits for it: a sandbox up but not yet ready */
  holdSeeds: Promise<void> | null = null

  async start(spec: SandboxSpec, seed?: Readable): Promise<StartedSandbox> {
    if (this.holdStarts !== null) await this.holdStarts
    if (!this.available.includes(spec.runtime)) {
      throw new SandboxUnavailable(`the engine has no runtime ${spec.runtime}; sandboxes never fall back`)
    }
    const id = randomUUID().replaceAll('-', '')
    const root = join(this.base, id)
    for (const m of spec.tmpfs) mkdirSync(join(root, m.path), { recursive: true })
    // the host files the engine would bind read-only: a copy at the same place, readable only
    for (const f of spec.readOnlyFiles) {
      mkdirSync(join(root, dirname(f.target)), { recursive: true })
      copyFileSync(f.source, join(root, f.target))
      chmodSync(join(root, f.target), 0o444)
    }
    const info: SandboxInfo = {
      id,
      name: spec.name,
      labels: { ...spec.labels },
      running: true,
      runtime: spec.runtime,
      deadline: spec.deadline,
      createdAt: new Date(this.clock())
    }
    const box: FakeSandbox = { info, spec, root, exitCode: null, reason: null, seeded: Promise.resolve() }
    this.sandboxes.set(id, box)
    const held = this.holdSeeds ?? Promise.resolve()
    const seeded = held.then(() => (seed ? this.copyIn(id, spec.seedDir, seed) : undefined))
    seeded.catch(() => undefined)
    box.seeded = seeded
    return { ...info, seeded }
  }

  /** the engine host's clock, as far as deadlines go; a test may move it */
  clock = (): number => Date.now()

  /** A sandbox past its deadline has ended itself, as the real init does. */
  private lookup(id: string): FakeSandbox | undefined {
    const s = this.sandboxes.get(id)
    if (s !== undefined && s.info.running && this.clock() >= s.spec.deadline.getTime()) {
      s.info.running = false
      s.exitCode = DEADLINE_EXIT_CODE
      s.reason = `the sandbox reached its deadline (${s.spec.deadline.toISOString()}) and ended itself`
    }
    return s
  }

  private get(id: string): FakeSandbox {
    const s = this.lookup(id)
    if (s === undefined) throw new SandboxGone(`no sandbox ${id}`)
    return s
  }

  private running(id: string): FakeSandbox {
    const s = this.get(id)
    if (!s.info.running) throw new Error(`sandbox ${id} is not running`)
    return s
  }

  /** Makes a sandbox die as if its main process ended (OOM, crash). */
  crash(id: string, reason = 'the sandbox ran out of memory'): void {
    const s = this.get(id)
    s.info.running = false
    s.exitCode = 137
    s.reason = reason
  }

  /** Makes a sandbox vanish from the engine altogether. */
  vanish(id: string): void {
    const s = this.get(id)
    rmSync(s.root, { recursive: true, force: true })
    this.sandboxes.delete(id)
  }

  async poll(id: string): Promise<null | { exitCode: number | null; reason: string }> {
    const s = this.lookup(id)
    if (s === undefined) return { exitCode: null, reason: 'the sandbox no longer exists' }
    return s.info.running ? null : { exitCode: s.exitCode, reason: s.reason ?? 'the sandbox exited' }
  }

  async stop(id: string): Promise<void> {
    const s = this.sandboxes.get(id)
    if (s === undefined) return
    rmSync(s.root, { recursive: true, force: true })
    this.sandboxes.delete(id)
  }

  async list(labels: Record<string, string | true>): Promise<SandboxInfo[]> {
    return [...this.sandboxes.keys()]
      .map((id) => this.lookup(id)!)
      .filter((s) =>
        Object.entries(labels).every(([k, v]) => (v === true ? k in s.info.labels : s.info.labels[k] === v))
      )
      .map((s) => ({ ...s.info }))
  }

  /** Maps a path inside the sandbox to the fake's directory, refusing anything that climbs out. */
  private path(s: FakeSandbox, p: string): string {
    const inside = normalize(`/${p}`)
    const full = join(s.root, inside)
    if (relative(s.root, full).startsWith('..')) throw new Error(`path ${p} escapes the sandbox`)
    return full
  }

  async exec(id: string, options: ExecOptions): Promise<ExecProcess> {
    const s = this.running(id)
    const stdout = new PassThrough()
    const stderr = new PassThrough()
    const stdin = options.stdin ? new PassThrough() : null
    const input: Buffer[] = []
    const inputDone = stdin
      ? new Promise<void>((resolve) => {
          stdin.on('data', (c: Buffer) => input.push(c))
          stdin.on('end', resolve)
          stdin.on('close', resolve)
        })
      : Promise.resolve()
    const [cmd, ...args] = options.cmd
    const run = async (): Promise<number> => {
      switch (cmd) {
        case 'echo':
          stdout.write(`${args.join(' ')}\n`)
          return 0
        case 'true':
          return 0
        case 'false':
          return 1
        case 'sleep':
          await new Promise((r) => setTimeout(r, Number(args[0] ?? 0) * 1000))
          return 0
        case 'cat':
          if (args.length === 0) {
            await inputDone
            stdout.write(Buffer.concat(input))
            return 0
          }
          try {
            stdout.write(readFileSync(this.path(s, args[0]!)))
            return 0
          } catch {
            stderr.write(`cat: ${args[0]}: No such file or directory\n`)
            return 1
          }
        case 'rm':
          for (const a of args.filter((x) => !x.startsWith('-'))) rmSync(this.path(s, a), { force: true })
          return 0
        case 'vre-shell': {
          // the researcher's shell (sandbox-images/tools/bin/vre-shell): restores the staged
          // workspace when asked, then reads input until the connection ends
          if (args[0] === '--restore') {
            // the restore waits for the init to have unpacked everything
            await s.seeded.catch(() => undefined)
            const staged = this.path(s, `${s.spec.seedDir}/.workspace.tar`)
            let status = 0
            try {
              if (existsSync(staged)) await this.copyIn(id, '/home/researcher', createReadStream(staged))
              for (const d of ['work/inbox', 'work/outbox'])
                mkdirSync(this.path(s, `/home/researcher/${d}`), { recursive: true })
            } catch (err) {
              stdout.write(`${(err as Error).message}\n`)
              status = 2
            }
            stdout.write(`\x1b]7701;restore=${status}\x07`)
            if (status !== 0) return 1
          }
          stdout.write('researcher@vre:~$ ')
          await inputDone
          return 0
        }
        case 'mkdir':
          for (const a of args.filter((x) => x !== '-p')) mkdirSync(this.path(s, a), { recursive: true })
          return 0
        case 'sh':
          if (args[0] === '-c' && /^exit \d+$/.test(args[1] ?? '')) return Number(args[1]!.slice(5))
          break
      }
      stderr.write(`fake driver: ${cmd}: command not supported\n`)
      return 127
    }
    const done = run().finally(() => {
      stdout.end()
      stderr.end()
    })
    return {
      stdin,
      stdout,
      stderr,
      wait: () => done,
      resize: async () => undefined
    }
  }

  async copyIn(id: string, dir: string, tar: Readable): Promise<void> {
    const s = this.running(id)
    const target = this.path(s, dir)
    const ex = extract()
    tar.pipe(ex as unknown as NodeJS.WritableStream)
    for await (const entry of ex) {
      const h = entry.header
      const problem = unsafeName(h.name)
      if (problem !== null) throw new Error(`tar: refusing ${h.name}: ${problem}`)
      const dest = join(target, h.name)
      if (h.type === 'directory') {
        mkdirSync(dest, { recursive: true })
        entry.resume()
      } else if (h.type === 'file') {
        const chunks: Buffer[] = []
        for await (const c of entry) chunks.push(Buffer.from(c as Uint8Array))
        mkdirSync(join(dest, '..'), { recursive: true })
        writeFileSync(dest, Buffer.concat(chunks), { mode: h.mode ?? 0o644 })
      } else {
        entry.resume()
      }
    }
  }

  async copyOut(id: string, path: string): Promise<Readable> {
    const s = this.running(id)
    const full = this.path(s, path)
    statSync(full)
    const p = pack()
    const base = path.split('/').filter(Boolean).at(-1)!
    const walk = (abs: string, name: string) => {
      const st = statSync(abs)
      if (st.isDirectory()) {
        p.entry({ name: `${name}/`, type: 'directory', mode: st.mode & 0o777 })
        for (const child of readdirSync(abs).sort()) walk(join(abs, child), `${name}/${child}`)
      } else if (st.isFile()) {
        p.entry({ name, type: 'file', mode: st.mode & 0o777 }, readFileSync(abs))
      }
    }
    walk(full, base)
    p.finalize()
    return Readable.from(p as unknown as AsyncIterable<Buffer>)
  }

  /** what stats() reports, settable by tests */
  pidsNow = 1

  /** when set, stats() fails with it, as an engine that cannot answer */
  statsFault: Error | null = null

  async stats(id: string): Promise<SandboxStats | null> {
    if (this.statsFault !== null) throw this.statsFault
    const s = this.sandboxes.get(id)
    return s ? { memoryBytes: 0, cpuPercent: 0, pids: this.pidsNow, pidsLimit: s.spec.pids } : null
  }

  /** Changes the spec's limits, as the engine would; a runsc sandbox refuses, as gVisor does. */
  async update(id: string, limits: SandboxLimits): Promise<void> {
    const s = this.running(id)
    if (s.spec.runtime === 'runsc') throw new SandboxLimitsFixed('the fake gVisor cannot change limits')
    s.spec = { ...s.spec, cpus: limits.cpus, memoryBytes: limits.memoryBytes, pids: limits.pids }
  }

  private readonly watchers = new Set<{ labels: Record<string, string>; onEvent: (e: SandboxEvent) => void }>()

  watch(labels: Record<string, string>, onEvent: (e: SandboxEvent) => void): () => void {
    const w = { labels, onEvent }
    this.watchers.add(w)
    return () => this.watchers.delete(w)
  }

  /** Delivers an engine event for a sandbox, as the engine's event stream would. */
  emit(id: string, kind: SandboxEvent['kind'], exitCode: number | null = null): void {
    const s = this.get(id)
    for (const w of this.watchers) {
      if (Object.entries(w.labels).every(([k, v]) => s.info.labels[k] === v)) {
        w.onEvent({ sandboxId: id, labels: { ...s.info.labels }, kind, exitCode })
      }
    }
  }

  /** Removes every fake sandbox directory. */
  dispose(): void {
    rmSync(this.base, { recursive: true, force: true })
  }
}
