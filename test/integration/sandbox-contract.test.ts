import { pack } from 'tar-stream'
import { Readable } from 'node:stream'
import { extract } from 'tar-stream'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  DEADLINE_EXIT_CODE,
  runInSandbox,
  type SandboxDriver,
  type SandboxRuntime,
  SandboxUnavailable
} from '../../server/src/sandbox/driver.js'
import { FakeDriver } from '../support/fake-driver.js'
import { cleanupTestSandboxes, requireDocker, testSpec } from '../support/sandbox.js'
import type { DockerDriver } from '../../server/src/sandbox/docker-driver.js'

function tarWith(name: string, body: string): Readable {
  const p = pack()
  p.entry({ name, mode: 0o644 }, body)
  p.finalize()
  return Readable.from(p as unknown as AsyncIterable<Buffer>)
}

async function namesIn(tar: Readable): Promise<Record<string, string>> {
  const ex = extract()
  tar.pipe(ex as unknown as NodeJS.WritableStream)
  const out: Record<string, string> = {}
  for await (const entry of ex) {
    const chunks: Buffer[] = []
    for await (const c of entry) chunks.push(Buffer.from(c as Uint8Array))
    out[entry.header.name] = Buffer.concat(chunks).toString('utf8')
  }
  return out
}

/** The contract every SandboxDriver keeps; run against the fake and against Docker under each runtime. */
function contract(name: string, driver: () => SandboxDriver, runtime: SandboxRuntime) {
  describe(`${name} (${runtime}) keeps the driver contract`, () => {
    let id = ''
    const labels = { 'vre.contract': `${process.pid}-${runtime}` }

    it('starts a sandbox that poll reports running and list finds by label, with its seed unpacked', async () => {
      const info = await driver().start(testSpec(runtime, 'contract', labels), tarWith('seed.txt', 'seeded data'))
      id = info.id
      await info.seeded
      expect(info.running).toBe(true)
      expect((await runInSandbox(driver(), id, { cmd: ['cat', '/data/seed.txt'] })).stdout).toBe('seeded data')
      expect(await driver().poll(id)).toBeNull()
      const listed = await driver().list(labels)
      expect(listed.map((s) => s.id)).toEqual([id])
      expect(listed[0]!.labels['vre.contract']).toBe(labels['vre.contract'])
    })

    it('runs commands and reports their output and exit codes', async () => {
      expect(await runInSandbox(driver(), id, { cmd: ['echo', 'hello', 'sandbox'] })).toEqual({
        exitCode: 0,
        stdout: 'hello sandbox\n',
        stderr: ''
      })
      expect((await runInSandbox(driver(), id, { cmd: ['sh', '-c', 'exit 3'] })).exitCode).toBe(3)
    })

    it('streams standard input to a process', async () => {
      const r = await runInSandbox(driver(), id, { cmd: ['cat'], input: 'line one\nline two\n' })
      expect(r.stdout).toBe('line one\nline two\n')
    })

    it('copies a tar in and out again', async () => {
      await driver().copyIn(id, '/tmp', tarWith('note.txt', 'from the gateway'))
      expect((await runInSandbox(driver(), id, { cmd: ['cat', '/tmp/note.txt'] })).stdout).toBe('from the gateway')
      await driver().copyIn(id, '/home/researcher', tarWith('work/a.txt', 'in the workspace'))
      const files = await namesIn(await driver().copyOut(id, '/home/researcher/work'))
      expect(files['work/a.txt']).toBe('in the workspace')
    })

    it("keeps the sandbox up through an exclusive copy out, which ends only the researcher's processes", async () => {
      const files = await namesIn(await driver().copyOut(id, '/home/researcher/work', { exclusive: true }))
      expect(files['work/a.txt']).toBe('in the workspace')
      expect(await driver().poll(id)).toBeNull()
      expect((await runInSandbox(driver(), id, { cmd: ['cat', '/data/seed.txt'] })).stdout).toBe('seeded data')
    })

    it('reports a seed its init cannot unpack, and stops that sandbox when asked', async () => {
      const bad = await driver().start(
        testSpec(runtime, 'badseed', labels),
        Readable.from([Buffer.from('this is not a tar archive '.repeat(40))])
      )
      await expect(bad.seeded).rejects.toThrow()
      await driver().stop(bad.id)
      expect((await driver().list(labels)).map((s) => s.id)).toEqual([id])
    })

    it('ends itself at its deadline with nobody watching, and poll and list say so', async () => {
      const deadline = new Date(Date.now() + 5_000)
      const box = await driver().start({ ...testSpec(runtime, 'deadline', labels), deadline })
      await box.seeded
      expect(await driver().poll(box.id)).toBeNull()
      const [listed] = (await driver().list(labels)).filter((s) => s.id === box.id)
      expect(listed!.deadline!.toISOString()).toBe(deadline.toISOString())
      // nobody asks anything of the sandbox until its deadline has passed
      await new Promise((r) => setTimeout(r, deadline.getTime() - Date.now() + 3_000))
      const ended = await driver().poll(box.id)
      expect(ended).toEqual({ exitCode: DEADLINE_EXIT_CODE, reason: expect.stringMatching(/reached its deadline/) })
      expect((await driver().list(labels)).find((s) => s.id === box.id)!.running).toBe(false)
      await expect(runInSandbox(driver(), box.id, { cmd: ['true'] })).rejects.toThrow()
      await driver().stop(box.id)
      // the sandbox the other tests use is untouched: its own deadline is an hour away
      expect(await driver().poll(id)).toBeNull()
    })

    it('lists by the presence of a label, whatever its value', async () => {
      const key = Object.keys(labels)[0]!
      expect((await driver().list({ [key]: true })).map((s) => s.id)).toContain(id)
      expect(await driver().list({ [`${key}.absent`]: true })).toEqual([])
    })

    it('stops idempotently, after which poll reports it gone', async () => {
      await driver().stop(id)
      await driver().stop(id)
      const ended = await driver().poll(id)
      expect(ended).not.toBeNull()
      expect(await driver().list(labels)).toEqual([])
    })
  })
}

describe('sandbox drivers', () => {
  let docker: DockerDriver
  const fake = new FakeDriver()
  beforeAll(async () => {
    docker = await requireDocker()
  })
  afterAll(async () => {
    fake.dispose()
    if (docker) await cleanupTestSandboxes(docker)
  })

  contract('FakeDriver', () => fake, 'runsc')
  contract('DockerDriver', () => docker, 'runc')
  contract('DockerDriver', () => docker, 'runsc')

  it('refuses a runtime the engine lacks instead of falling back', async () => {
    fake.available = ['runc']
    await expect(fake.start(testSpec('runsc', 'nofallback'))).rejects.toThrow(SandboxUnavailable)
    fake.available = ['runc', 'runsc']
    const spec = { ...testSpec('runsc', 'nofallback'), runtime: 'kata' as SandboxRuntime }
    await expect(docker.start(spec)).rejects.toThrow(/does not have.*never fall back/)
    expect(await docker.list({ 'vre.test': String(process.pid) })).toEqual([])
  })
})
