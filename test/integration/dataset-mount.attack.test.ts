/**
 * Attacks on the read-only dataset bind mount (sandbox/container-spec.ts, datasets/host-copies.ts),
 * from inside as the researcher and from the host, under both runtimes. Written by a security
 * review. Tests assert the property the design promises; the known limits it found that are not
 * closed (the runc mount table naming the host path, statfs of /dev/shm) are in the README.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto'
import { chmodSync, chownSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { pack } from 'tar-stream'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { hostCopiesRoot } from '../../server/src/datasets/host-copies.js'
import type { DockerDriver } from '../../server/src/sandbox/docker-driver.js'
import { runInSandbox } from '../../server/src/sandbox/driver.js'
import { cleanupTestSandboxes, requireDocker, RUNTIMES, testSpec } from '../support/sandbox.js'

const SCRIPT = readFileSync(new URL('./dataset-mount.attack.py', import.meta.url), 'utf8')
const hostDir = hostCopiesRoot(`attack${process.pid}`)
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex')

function tarWith(name: string, body: string): Readable {
  const p = pack()
  p.entry({ name, mode: 0o644 }, body)
  p.finalize()
  return Readable.from(p as unknown as AsyncIterable<Buffer>)
}

type Attempt = { ok: boolean; error?: string; result?: unknown }
type Report = Record<string, Attempt> & { owner: number; me: number; mountinfo: string[] }

describe('attacks on the dataset bind mount', () => {
  let driver: DockerDriver
  beforeAll(async () => {
    driver = await requireDocker()
    mkdirSync(hostDir, { recursive: true, mode: 0o700 })
  })
  afterAll(async () => {
    if (driver) await cleanupTestSandboxes(driver)
    rmSync(hostDir, { recursive: true, force: true })
  })

  describe.each(RUNTIMES)('under %s', (runtime) => {
    // one copy owned by root (a gateway run as root), one by uid 1000 (a gateway run as an
    // ordinary account that happens to share the researcher's uid: no user-namespace remap)
    const copies = {
      root: { key: `dataset-${randomUUID()}`, body: randomBytes(64 * 1024), uid: 0 },
      owned: { key: `dataset-${randomUUID()}`, body: randomBytes(64 * 1024), uid: 1000 },
      swap: { key: `dataset-${randomUUID()}`, body: randomBytes(64 * 1024), uid: 0 }
    }
    const src = (k: keyof typeof copies) => join(hostDir, `${copies[k].key}.duckdb`)
    let id = ''
    const reports: Record<string, Report> = {}
    const run = async (cmd: string[]) => runInSandbox(driver, id, { cmd })

    beforeAll(async () => {
      for (const k of Object.keys(copies) as (keyof typeof copies)[]) {
        writeFileSync(src(k), copies[k].body)
        chmodSync(src(k), 0o444)
        chownSync(src(k), copies[k].uid, copies[k].uid)
      }
      const spec = {
        ...testSpec(runtime, 'mount-attack'),
        readOnlyFiles: (Object.keys(copies) as (keyof typeof copies)[]).map((k) => ({ source: src(k), target: `/data/${k}.duckdb` }))
      }
      const started = await driver.start(spec, tarWith('seeded.txt', 'x\n'))
      id = started.id
      await started.seeded
      await driver.copyIn(id, '/tmp', tarWith('attack.py', SCRIPT))
      for (const k of ['root', 'owned'] as const) {
        const r = await run(['python3', '/tmp/attack.py', `/data/${k}.duckdb`])
        if (r.exitCode !== 0) throw new Error(`attack script failed: ${r.stderr}`)
        reports[k] = JSON.parse(r.stdout) as Report
      }
      console.log(`[mount-attack ${runtime}]`, JSON.stringify(reports, null, 1))
    }, 180_000)

    afterAll(async () => {
      if (id) await driver.stop(id)
    })

    it.each(['root', 'owned'] as const)('the %s-owned copy cannot be changed, even by its owner, nor through a user namespace', (k) => {
      const r = reports[k]!
      expect(r.owner).toBe(copies[k].uid)
      for (const name of ['chmod', 'openWrite', 'setxattr', 'fallocate', 'opathReopenRW', 'procRootWrite', 'usernsRemountRW', 'usernsUmount']) {
        expect(r[name]!.ok, `${name}: ${JSON.stringify(r[name])}`).toBe(false)
      }
      expect(r.sha256!.result).toBe(sha(copies[k].body))
    })

    it('a user namespace bind of the data directory shows no other copy', () => {
      const r = reports.root!.usernsBindParent!
      const listing = r.ok ? String(r.result) : ''
      expect(listing).not.toMatch(/dataset-/)
    })

    it('(c) a copy replaced on the host (rename over the path) is not what a running sandbox reads', async () => {
      const fresh = randomBytes(64 * 1024)
      const tmp = `${src('swap')}.partial-attack`
      writeFileSync(tmp, fresh)
      chmodSync(tmp, 0o444)
      renameSync(tmp, src('swap'))
      const r = await run(['sha256sum', '/data/swap.duckdb'])
      const seen = r.stdout.split(' ')[0]
      console.log(`[mount-attack ${runtime}] after rename-over: sandbox reads ${seen === sha(fresh) ? 'NEW' : seen === sha(copies.swap.body) ? 'OLD' : r.stdout + r.stderr}`)
      expect([sha(fresh), sha(copies.swap.body)]).toContain(seen)
    })

    it('(d) a copy removed on the host (as the prune does for an erased key) is still readable in a running sandbox until it is stopped', async () => {
      rmSync(src('root'))
      const r = await run(['sha256sum', '/data/root.duckdb'])
      const seen = r.stdout.split(' ')[0]
      console.log(`[mount-attack ${runtime}] after unlink on host: ${seen === sha(copies.root.body) ? 'STILL READABLE (full plaintext)' : r.stdout + r.stderr}`)
      // documents the behaviour: removal frees nothing while a sandbox mounts it; only the stop does
      expect(seen).toBe(sha(copies.root.body))
    })
  })
})
