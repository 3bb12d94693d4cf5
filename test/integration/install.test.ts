import { spawn, spawnSync } from 'node:child_process'
import { copyFileSync, mkdtempSync, readdirSync, readlinkSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { PROJECT_ROOT } from '../../server/src/config/config.js'

const LIB = join(PROJECT_ROOT, 'scripts', 'lib', 'process.sh')
const BUILD = join(PROJECT_ROOT, 'scripts', 'build-sandbox-image.sh')
const dir = mkdtempSync(join(tmpdir(), 'vre-install-'))
const started: number[] = []
afterAll(() => {
  for (const pid of started) {
    try {
      process.kill(pid, 'SIGKILL')
    } catch {
      // already gone
    }
  }
  rmSync(dir, { recursive: true, force: true })
})

/** The descriptors a process has open, by number, with what each points at. */
function descriptors(pid: number): Record<string, string> {
  const fds: Record<string, string> = {}
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      fds[fd] = readlinkSync(`/proc/${pid}/fd/${fd}`)
    } catch {
      // closed meanwhile
    }
  }
  return fds
}

/** Every process that has `file` open. */
function holders(file: string): number[] {
  const pids: number[] = []
  for (const p of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      if (Object.values(descriptors(Number(p))).includes(file)) pids.push(Number(p))
    } catch {
      // ended meanwhile, or not ours to read
    }
  }
  return pids
}

/** Holds `lock` from a process named `name` (a copy of sleep) until the test ends. */
async function holdLock(lock: string, name = 'sleep'): Promise<number> {
  const bin = join(dir, name)
  copyFileSync('/bin/sleep', bin)
  // the shell takes the lock and becomes the program: the program alone holds it
  const child = spawn('bash', ['-c', 'exec 9>>"$1"; flock 9; exec "$2" 300', 'hold', lock, bin], { stdio: 'ignore' })
  started.push(child.pid!)
  for (let i = 0; i < 100; i++) {
    const pid = holders(lock).find((p) => readlinkSync(`/proc/${p}/exe`) === bin)
    if (pid !== undefined) {
      started.push(pid)
      return pid
    }
    await new Promise((r) => setTimeout(r, 50))
  }
  throw new Error(`${name} never took ${lock}`)
}

describe('the install scripts', () => {
  it('start a long-lived process holding nothing of theirs, so a lock they hold is free once they end', async () => {
    const lock = join(dir, 'detach.lock')
    const log = join(dir, 'daemon.log')
    const r = spawnSync(
      'bash',
      ['-c', `source "${LIB}"; exec 9>>"${lock}"; flock 9; detach "${log}" sleep 300; echo "$!"`],
      { encoding: 'utf8' }
    )
    expect(r.status).toBe(0)
    const pid = Number(r.stdout.trim())
    started.push(pid)
    // setsid execs sleep a moment later, and a program opens its locale files as it starts: look
    // once it has settled
    for (let i = 0; i < 100 && !/sleep$/.test(readlinkSync(`/proc/${pid}/exe`)); i++) {
      await new Promise((res) => setTimeout(res, 20))
    }
    expect(readlinkSync(`/proc/${pid}/exe`)).toMatch(/sleep$/)
    await new Promise((res) => setTimeout(res, 300))
    const fds = descriptors(pid)
    expect(Object.keys(fds).sort()).toEqual(['0', '1', '2'])
    expect([fds['0'], fds['1'], fds['2']]).toEqual(['/dev/null', log, log])
    // the script that took the lock has ended; the daemon it started lives on and holds nothing
    expect(holders(lock)).toEqual([])
    expect(spawnSync('flock', ['-w', '5', lock, 'true']).status).toBe(0)
  })

  it('say what a waiting build waits for and give up in bounded time, naming the holder', async () => {
    const logDir = mkdtempSync(join(dir, 'logs-'))
    const lock = join(logDir, 'vre-sandbox-build.lock')
    const holder = await holdLock(lock, 'a-long-build')
    const t0 = Date.now()
    const r = spawnSync('bash', [BUILD], {
      encoding: 'utf8',
      env: { ...process.env, VRE_BUILD_LOG_DIR: logDir, VRE_BUILD_LOCK_WAIT_SECONDS: '2' },
      timeout: 60_000
    })
    expect(r.status).toBe(1)
    expect(Date.now() - t0).toBeLessThan(30_000)
    expect(r.stdout).toMatch(
      /waiting for another sandbox image build \(lock .*vre-sandbox-build\.lock, held by pid \d+/
    )
    expect(r.stderr).toMatch(/gave up after 2s waiting for another sandbox image build/)
    expect(r.stderr).toContain(`pid ${holder} (${join(dir, 'a-long-build')} 300)`)
  })

  it('give up at once when only a Docker engine holds the lock, since it never lets go', async () => {
    const logDir = mkdtempSync(join(dir, 'logs-'))
    const lock = join(logDir, 'vre-sandbox-build.lock')
    const holder = await holdLock(lock, 'dockerd')
    const t0 = Date.now()
    const r = spawnSync('bash', [BUILD], {
      encoding: 'utf8',
      env: { ...process.env, VRE_BUILD_LOG_DIR: logDir, VRE_BUILD_LOCK_WAIT_SECONDS: '600' },
      timeout: 60_000
    })
    expect(r.status).toBe(1)
    expect(Date.now() - t0).toBeLessThan(30_000)
    expect(r.stderr).toMatch(/is held by the Docker engine: pid \d+/)
    expect(r.stderr).toContain(`pid ${holder} `)
    expect(r.stderr).toMatch(/Stop the engine/)
  })

  it('run again, to the end, on a machine where an earlier run started the Docker engine', () => {
    // The suite's own install started the engine on a fresh machine (CI's): the engine and its
    // containers must hold nothing of that run, and a second run must not wait on them.
    const lock = '/var/tmp/vre-sandbox-build.lock'
    const t0 = Date.now()
    const r = spawnSync('bash', [BUILD], { encoding: 'utf8', timeout: 300_000 })
    expect(r.error).toBeUndefined()
    expect(r.stderr).toBe('')
    expect(r.status).toBe(0)
    expect(r.stdout).toMatch(/sandbox image up to date/)
    expect(Date.now() - t0).toBeLessThan(300_000)
    expect(holders(lock)).toEqual([])
  }, 320_000)
})
