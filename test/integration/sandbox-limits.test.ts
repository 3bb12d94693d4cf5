import { statfs } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { Readable } from 'node:stream'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type DockerDriver, hostPidsLimit } from '../../server/src/sandbox/docker-driver.js'
import { type RunResult, type SandboxRuntime, type SandboxSpec } from '../../server/src/sandbox/driver.js'
import { cleanupTestSandboxes, requireDocker, RUNTIMES, TEST_LABEL, testSpec } from '../support/sandbox.js'

/**
 * SECURITY.md, "Sandbox": fork bomb, memory hog and disk-filling writes are contained by the
 * sandbox's limits, while another sandbox and the host (where the gateway runs) keep answering.
 * What each limit did under each runtime is logged ([sandbox-limits ...] lines) for the docs.
 */

const MiB = 1024 * 1024
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

type Bounded =
  | (RunResult & { timedOut?: false; error?: undefined })
  | { timedOut: true; stdout: string; stderr: string }
  | { error: string }

/**
 * Runs a command with a deadline; the answer is a result, a timeout (with the output so far) or an
 * engine error, never a hang.
 */
async function execBounded(
  driver: DockerDriver,
  id: string,
  cmd: string[],
  ms: number,
  giveUp: Promise<unknown> = new Promise(() => {})
): Promise<Bounded> {
  const out: Buffer[] = []
  const err: Buffer[] = []
  let timer: NodeJS.Timeout | undefined
  const deadline = new Promise<Bounded>((resolve) => {
    const stop = () =>
      resolve({
        timedOut: true,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8')
      })
    timer = setTimeout(stop, ms)
    void giveUp.then(stop)
  })
  const run = (async (): Promise<Bounded> => {
    const proc = await driver.exec(id, { cmd })
    const drained = Promise.all(
      [
        [proc.stdout, out],
        [proc.stderr, err]
      ].map(
        ([stream, sink]) =>
          new Promise<void>((resolve) => {
            ;(stream as Readable).on('data', (c: Buffer) => (sink as Buffer[]).push(c))
            ;(stream as Readable).on('end', resolve)
            ;(stream as Readable).on('error', () => resolve())
          })
      )
    )
    const [exitCode] = await Promise.all([proc.wait(), drained])
    return { exitCode, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') }
  })().catch((e: unknown): Bounded => ({ error: (e as Error).message }))
  try {
    return await Promise.race([run, deadline])
  } finally {
    clearTimeout(timer)
  }
}

const isResult = (b: Bounded): b is RunResult => 'exitCode' in b

/**
 * Runs an attack and returns when it ends, or when the whole sandbox has ended (then a short grace
 * for the exec stream, which under runsc does not end when the sandbox dies), or at `ms`.
 */
async function execWatched(driver: DockerDriver, id: string, cmd: string[], ms: number) {
  const t0 = Date.now()
  let giveUp: () => void = () => {}
  const gaveUp = new Promise<void>((resolve) => (giveUp = resolve))
  let exec: Bounded | null = null
  const running = execBounded(driver, id, cmd, ms, gaveUp).then((r) => (exec = r))
  let sandboxEnded: { exitCode: number | null; reason: string } | null = null
  let endedAfterMs: number | null = null
  while (exec === null) {
    await Promise.race([running, sleep(500)])
    if (exec !== null) break
    sandboxEnded = await driver.poll(id)
    if (sandboxEnded !== null) {
      endedAfterMs = Date.now() - t0
      await Promise.race([running, sleep(3000)])
      giveUp()
      await running
    }
  }
  if (sandboxEnded === null) sandboxEnded = await driver.poll(id)
  const result = exec as unknown as Bounded
  return {
    exec: result,
    execStreamEnded: !('timedOut' in result),
    sandboxEnded,
    sandboxEndedAfterMs: endedAfterMs,
    elapsedMs: Date.now() - t0
  }
}

interface Probe {
  ok: number
  failures: string[]
  maxMs: number
}

/** Keeps asking something to answer until stopped: another sandbox (exec echo) or the host (HTTP on loopback). */
function keepAsking(intervalMs: number, ask: () => Promise<string | null>) {
  const probe: Probe = { ok: 0, failures: [], maxMs: 0 }
  let running = true
  const loop = (async () => {
    while (running) {
      const t = Date.now()
      const failure = await ask().catch((e: unknown) => `threw ${(e as Error).message}`)
      const ms = Date.now() - t
      probe.maxMs = Math.max(probe.maxMs, ms)
      if (failure === null) probe.ok++
      else probe.failures.push(`${failure} (after ${ms} ms)`)
      await sleep(intervalMs)
    }
  })()
  return {
    probe,
    /** stops once at least `minRounds` round trips were made (or `maxWaitMs` passed) */
    stop: async (minRounds = 3, maxWaitMs = 20_000) => {
      const t0 = Date.now()
      while (probe.ok + probe.failures.length < minRounds && Date.now() - t0 < maxWaitMs) await sleep(100)
      running = false
      await loop
      return probe
    }
  }
}

/** Samples the engine's view of a sandbox (pids, memory high-water mark) until stopped. */
function sampleStats(driver: DockerDriver, id: string) {
  const seen = { samples: 0, maxPids: 0, pidsLimit: 0, maxMemory: 0, memoryLimit: 0 }
  let running = true
  const loop = (async () => {
    while (running) {
      try {
        const s = (await Promise.race([
          driver.docker.getContainer(id).stats({ stream: false, 'one-shot': true } as { stream: false }),
          sleep(5000).then(() => null)
        ])) as {
          pids_stats?: { current?: number; limit?: number }
          memory_stats?: { usage?: number; max_usage?: number; limit?: number }
        } | null
        if (s?.memory_stats?.usage !== undefined) {
          seen.samples++
          seen.maxPids = Math.max(seen.maxPids, s.pids_stats?.current ?? 0)
          seen.pidsLimit = s.pids_stats?.limit ?? seen.pidsLimit
          seen.maxMemory = Math.max(seen.maxMemory, s.memory_stats.max_usage ?? 0, s.memory_stats.usage)
          seen.memoryLimit = s.memory_stats.limit ?? seen.memoryLimit
        }
      } catch {
        // gone: nothing more to sample
      }
      await sleep(250)
    }
  })()
  return {
    seen,
    stop: async () => {
      running = false
      await loop
      return seen
    }
  }
}

interface EngineEvent {
  Action: string
  id?: string
  Actor?: { ID?: string; Attributes?: Record<string, string> }
}

/**
 * After an attack: does the sandbox answer an exec again with the attack gone, or has it ended
 * (killed alone)? Anything else within `ms` is "stuck".
 */
async function settle(driver: DockerDriver, id: string, ms: number) {
  const t0 = Date.now()
  let last = ''
  while (Date.now() - t0 < ms) {
    const ended = await driver.poll(id)
    if (ended !== null) return { outcome: 'ended' as const, ended, afterMs: Date.now() - t0 }
    const r = await execBounded(
      driver,
      id,
      ['python3', '-c', 'import os; print(sum(1 for d in os.listdir("/proc") if d.isdigit()))'],
      5000
    )
    if (isResult(r) && r.exitCode === 0) {
      const procs = Number(r.stdout.trim())
      // tini, the python3 that counted: anything much beyond that is the attack still running
      if (procs <= 4) return { outcome: 'answers' as const, procs, afterMs: Date.now() - t0 }
      last = `${procs} processes still alive`
    } else {
      last = JSON.stringify(r).slice(0, 300)
    }
    await sleep(500)
  }
  return { outcome: 'stuck' as const, last, afterMs: Date.now() - t0 }
}

/** what a command printed, finished or not */
const outputOf = (b: Bounded | null, which: 'stdout' | 'both' = 'both') =>
  b === null || 'error' in b ? '' : which === 'stdout' ? b.stdout : b.stdout + b.stderr

const tail = (s: string, n = 300) => (s.length > n ? '…' + s.slice(-n) : s)

describe('sandbox limits (SECURITY.md, Sandbox: fork bomb, memory hog, disk filling)', () => {
  let driver: DockerDriver
  let host: Server
  let hostUrl = ''
  let events: Readable | null = null
  const seenEvents: EngineEvent[] = []

  beforeAll(async () => {
    driver = await requireDocker()
    // Stands in for the gateway on the host: it has to keep answering while a sandbox misbehaves.
    host = createServer((_req, res) => res.end('ok'))
    await new Promise<void>((resolve) => host.listen(0, '127.0.0.1', resolve))
    hostUrl = `http://127.0.0.1:${(host.address() as { port: number }).port}/`
    events = (await driver.docker.getEvents({
      filters: { type: ['container'], label: [`${TEST_LABEL}=${process.pid}`] }
    })) as unknown as Readable
    let buf = ''
    events.on('data', (c: Buffer) => {
      buf += c.toString('utf8')
      let nl: number
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl).trim()
        buf = buf.slice(nl + 1)
        if (line) seenEvents.push(JSON.parse(line) as EngineEvent)
      }
    })
    events.on('error', () => {})
  })

  afterAll(async () => {
    events?.destroy()
    host?.close()
    if (driver) await cleanupTestSandboxes(driver)
  })

  describe.each(RUNTIMES)('under %s', (runtime: SandboxRuntime) => {
    let bystander = ''
    const log = (what: string, data: unknown) =>
      console.log(`[sandbox-limits ${runtime}] ${what}: ${JSON.stringify(data)}`)
    const eventsFor = (id: string) =>
      seenEvents
        .filter((e) => (e.Actor?.ID ?? e.id) === id)
        .map((e) =>
          e.Actor?.Attributes?.exitCode
            ? `${e.Action.split(':')[0]}(${e.Actor.Attributes.exitCode})`
            : e.Action.split(':')[0]
        )

    /** Starts the watchers that must keep getting answers while an attack runs. */
    function watchOthers() {
      const other = keepAsking(300, async () => {
        const r = await execBounded(driver, bystander, ['echo', 'alive'], 20_000)
        return isResult(r) && r.exitCode === 0 && r.stdout === 'alive\n' ? null : JSON.stringify(r).slice(0, 200)
      })
      const hostAnswers = keepAsking(250, async () => {
        const res = await fetch(hostUrl, { signal: AbortSignal.timeout(10_000) })
        return res.ok && (await res.text()) === 'ok' ? null : `HTTP ${res.status}`
      })
      return async () => {
        const [o, h] = await Promise.all([other.stop(), hostAnswers.stop()])
        return { otherSandbox: o, host: h }
      }
    }

    function expectOthersFine(others: { otherSandbox: Probe; host: Probe }) {
      expect(others.otherSandbox.failures, 'the other sandbox stopped answering exec').toEqual([])
      expect(others.otherSandbox.ok, 'exec round trips to the other sandbox during the attack').toBeGreaterThan(1)
      expect(others.host.failures, 'the host (loopback HTTP) stopped answering').toEqual([])
      expect(others.host.ok, 'HTTP round trips on the host during the attack').toBeGreaterThan(1)
    }

    beforeAll(async () => {
      bystander = (await driver.start(testSpec(runtime, 'bystander'))).id
      const r = await execBounded(driver, bystander, ['echo', 'alive'], 20_000)
      expect(r, 'the other sandbox answers before any attack').toMatchObject({ exitCode: 0, stdout: 'alive\n' })
    }, 60_000)

    afterAll(async () => {
      const alive = await execBounded(driver, bystander, ['echo', 'alive'], 20_000)
      log('other sandbox after all attacks', alive)
      if (bystander) await driver.stop(bystander)
    })

    it('contains a fork bomb within the pids limit; the other sandbox and the host keep answering', async () => {
      const spec: SandboxSpec = { ...testSpec(runtime, 'forkbomb'), pids: 128 }
      const id = (await driver.start(spec)).id
      expect(await execBounded(driver, id, ['echo', 'ready'], 20_000)).toMatchObject({ exitCode: 0 })
      const stopWatching = watchOthers()
      const stats = sampleStats(driver, id)
      // bash's `:(){ :|:& };:`, named; the main shell sleeps so `timeout` (own process group) kills every copy at 8 s
      const attack = await execWatched(
        driver,
        id,
        ['timeout', '-s', 'KILL', '8', 'bash', '-c', 'bomb() { bomb | bomb & }; bomb; sleep 30'],
        30_000
      )
      const after = await settle(driver, id, 20_000)
      const [others, seen] = await Promise.all([stopWatching(), stats.stop()])
      const output = outputOf(attack.exec)
      const forkRefused = (output.match(/Resource temporarily unavailable/g) ?? []).length
      log('fork bomb', {
        execExitCode: isResult(attack.exec) ? attack.exec.exitCode : null,
        forkRefusedMessages: forkRefused,
        outputTail: tail(output, 160),
        execStreamEnded: attack.execStreamEnded,
        sandboxEnded: attack.sandboxEnded,
        sandboxEndedAfterMs: attack.sandboxEndedAfterMs,
        after,
        pids: { limit: hostPidsLimit(spec), maxSeen: seen.maxPids, samples: seen.samples },
        events: eventsFor(id),
        others
      })

      expect(
        after.outcome,
        `after the bomb the sandbox answers again, or has ended alone: ${JSON.stringify(after)}`
      ).not.toBe('stuck')
      if (after.outcome === 'answers') {
        expect(forkRefused, 'fork was refused (EAGAIN) once the pids limit was reached').toBeGreaterThan(0)
      }
      expect(seen.samples, 'the engine reported the sandbox while the bomb ran').toBeGreaterThan(0)
      expect(seen.maxPids, 'pids never exceeded the limit').toBeLessThanOrEqual(hostPidsLimit(spec))
      expectOthersFine(others)
      await driver.stop(id)
    }, 90_000)

    it('stops a memory hog at the memory limit; the other sandbox and the host keep answering', async () => {
      const spec: SandboxSpec = { ...testSpec(runtime, 'memhog'), memoryBytes: 256 * MiB }
      const id = (await driver.start(spec)).id
      expect(await execBounded(driver, id, ['echo', 'ready'], 20_000)).toMatchObject({ exitCode: 0 })
      const stopWatching = watchOthers()
      const stats = sampleStats(driver, id)
      const hog = [
        'import sys',
        'import time',
        'chunks, step = [], 8 << 20',
        'try:',
        `    while len(chunks) * step < ${4 * spec.memoryBytes}:`,
        "        chunks.append(b'\\x01' * step)  # every page written",
        '        print(len(chunks) * step, flush=True)',
        '        time.sleep(0.1)  # paced, so the engine can be sampled on the way up',
        "    print('DONE', flush=True)",
        'except MemoryError:',
        "    print('MemoryError', flush=True)",
        '    sys.exit(3)'
      ].join('\n')
      const attack = await execWatched(driver, id, ['python3', '-c', hog], 45_000)
      const after = await settle(driver, id, 10_000)
      const [others, seen] = await Promise.all([stopWatching(), stats.stop()])
      const state = (await driver.inspect(id).catch(() => null))?.State
      // the engine's events trail the exit a little: give the `oom` event a moment to arrive
      for (let i = 0; i < 20 && !eventsFor(id).includes('oom'); i++) await sleep(100)
      const stdout = outputOf(attack.exec, 'stdout')
      const allocated = Math.max(0, ...stdout.split('\n').map(Number).filter(Number.isFinite))
      const execExit = isResult(attack.exec) ? attack.exec.exitCode : null
      log('memory hog', {
        limit: spec.memoryBytes,
        highestAllocationReported: allocated,
        memoryError: stdout.includes('MemoryError'),
        execExitCode: execExit,
        execError: 'error' in attack.exec ? attack.exec.error : undefined,
        execStreamEnded: attack.execStreamEnded,
        sandboxEnded: attack.sandboxEnded,
        sandboxEndedAfterMs: attack.sandboxEndedAfterMs,
        inspectState: state && { Status: state.Status, OOMKilled: state.OOMKilled, ExitCode: state.ExitCode },
        memoryHighWater: seen.maxMemory,
        events: eventsFor(id),
        after,
        others
      })

      expect(stdout, 'the hog never got all the memory it asked for').not.toContain('DONE')
      // Under runsc the engine's `oom` event can come after `die`, and then State.OOMKilled stays false:
      // a sandbox that died with 137 is OOM-killed if either says so.
      const oomSignalled = state?.OOMKilled === true || eventsFor(id).includes('oom')
      const stoppedBy = {
        oomKilledProcess: execExit === 137,
        memoryError: stdout.includes('MemoryError'),
        sandboxOomKilled: attack.sandboxEnded?.exitCode === 137 && oomSignalled
      }
      expect(
        Object.values(stoppedBy).some(Boolean),
        `the hog was stopped by the limit: ${JSON.stringify(stoppedBy)}`
      ).toBe(true)
      expect(allocated, 'memory the hog held (its own count) stayed under the limit').toBeLessThan(spec.memoryBytes)
      expect(seen.samples, 'the engine reported the sandbox while the hog ran').toBeGreaterThan(0)
      expect(seen.maxMemory, 'the sampler saw the hog grow (so the next check means something)').toBeGreaterThan(
        spec.memoryBytes / 2
      )
      expect(seen.maxMemory, 'the cgroup memory high-water mark stayed within the limit').toBeLessThanOrEqual(
        spec.memoryBytes
      )
      expect(
        oomSignalled || execExit === 137,
        'the engine signalled it (oom event, exec exit 137 or OOMKilled) so the session layer can audit it'
      ).toBe(true)
      expect(
        after.outcome,
        `after the hog the sandbox answers again or has ended alone: ${JSON.stringify(after)}`
      ).not.toBe('stuck')
      expectOthersFine(others)
      await driver.stop(id)
    }, 90_000)

    it('stops disk-filling writes at each tmpfs size, refuses the read-only root, leaves host disk alone', async () => {
      const spec: SandboxSpec = testSpec(runtime, 'diskfill')
      const id = (await driver.start(spec)).id
      expect(await execBounded(driver, id, ['echo', 'ready'], 20_000)).toMatchObject({ exitCode: 0 })
      const dockerRoot = ((await driver.docker.info()) as { DockerRootDir?: string }).DockerRootDir ?? '/var/lib/docker'
      const free = async () => {
        const s = await statfs(dockerRoot)
        return s.bavail * s.bsize
      }
      const targets = ['/home/researcher', '/tmp', '/dev/shm', '/', '/data', '/var/tmp', '/opt/vre', '/usr', '/etc']
      const cap = 256 * MiB
      const fill = [
        'import errno, json, os, sys',
        'out = {}',
        `for d in ${JSON.stringify(targets)}:`,
        "    p, n, err = os.path.join(d, 'vre-fill.bin'), 0, None",
        '    try:',
        "        with open(p, 'wb', buffering=0) as f:",
        "            chunk = b'\\x5a' * (1 << 20)",
        `            while n < ${cap}:`,
        '                n += f.write(chunk)',
        '    except OSError as e:',
        "        err = errno.errorcode.get(e.errno, str(e.errno)) + ': ' + e.strerror",
        "    out[d] = {'bytes': n, 'error': err}",
        'print(json.dumps(out))'
      ].join('\n')
      const stopWatching = watchOthers()
      const freeBefore = await free()
      const r = await execBounded(driver, id, ['python3', '-c', fill], 60_000)
      const freeAfter = await free()
      const others = await stopWatching()
      expect(r, 'the fill script ran to the end').toMatchObject({ exitCode: 0 })
      const result = JSON.parse((r as RunResult).stdout) as Record<string, { bytes: number; error: string | null }>
      const written = Object.values(result).reduce((a, o) => a + o.bytes, 0)
      const clean = await execBounded(
        driver,
        id,
        [
          'python3',
          '-c',
          `import os\nfor d in ${JSON.stringify(targets)}:\n    try: os.unlink(os.path.join(d, 'vre-fill.bin'))\n    except OSError: pass\nopen('/home/researcher/after.txt', 'w').write('ok')\nprint('clean')`
        ],
        20_000
      )
      log('disk fill', {
        result,
        writtenTotal: written,
        hostFreeBytesDelta: freeAfter - freeBefore,
        dockerRoot,
        afterCleanup: clean,
        events: eventsFor(id),
        others
      })

      const size = (p: string) => spec.tmpfs.find((m) => m.path === p)!.sizeBytes
      for (const d of ['/home/researcher', '/tmp']) {
        expect(result[d]!.error, `${d}: ${JSON.stringify(result[d])}`).toMatch(/^ENOSPC/)
        expect(result[d]!.bytes, `${d} accepted no more than its tmpfs size`).toBeLessThanOrEqual(size(d))
        expect(result[d]!.bytes, `${d} accepted close to its tmpfs size`).toBeGreaterThan(size(d) - 4 * MiB)
      }
      // /dev/shm (IpcMode private) is writable too: it must stop at its own size (Docker's default 64 MiB)
      expect(result['/dev/shm']!.error, `/dev/shm: ${JSON.stringify(result['/dev/shm'])}`).toMatch(/^ENOSPC/)
      expect(result['/dev/shm']!.bytes, '/dev/shm accepted no more than 64 MiB').toBeLessThanOrEqual(64 * MiB)
      for (const d of ['/', '/data', '/var/tmp', '/opt/vre', '/usr', '/etc']) {
        expect(result[d], `writing into ${d}: ${JSON.stringify(result[d])}`).toMatchObject({ bytes: 0 })
        expect(result[d]!.error, `${d} refused`).toMatch(/^(EROFS|EACCES)/)
      }
      // everything written lives in memory: the host's Docker disk must not shrink by anything like it
      expect(written, 'bytes the sandbox managed to write').toBeGreaterThan(100 * MiB)
      expect(freeBefore - freeAfter, `host free space on ${dockerRoot} dropped`).toBeLessThan(written / 2)
      expect(clean, 'the sandbox answers and can write again once the files are removed').toMatchObject({
        exitCode: 0,
        stdout: 'clean\n'
      })
      expectOthersFine(others)
      await driver.stop(id)
    }, 90_000)
  })
})
