/**
 * The swap attack through a whole start (reviewer "b"): project B's encrypted dataset file put in
 * place of project A's. Before fc31001 the start decrypted A's file with datasetContext(A) and
 * refused it; now, when B's copy is on the host (B has a session, or its copy lingers 10 min), A's
 * start never decrypts and mounts B's plaintext at A's dataset path. Asserts the SECURE behaviour.
 */
import { copyFileSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { type SessionBench, sessionBench } from '../../../test/support/session-core.js'
import { datasetContext, datasetKeyScope } from '../datasets/at-rest.js'
import { writeEncryptedFile } from '../keys/encrypted-file.js'
import { createLaunch } from './launch.js'
import { createStart } from './start.js'

let bench: SessionBench | undefined
afterEach(() => {
  bench?.close()
  bench = undefined
})
const ctx = { sourceIp: '192.0.2.9' } as Parameters<ReturnType<typeof createStart>>[2]

describe('a start with a swapped dataset file', () => {
  it("never mounts another project's dataset plaintext", async () => {
    bench = await sessionBench()
    const { keyring } = bench.core.deps
    // project B's dataset, its copy already on this host (B's sandbox runs)
    const secretB = Buffer.from('PATIENT OF PROJECT B '.repeat(500))
    const bId = 'dataset-of-project-b'
    const k = keyring.create('dataset', datasetKeyScope(bId, 1))
    const bFile = join(bench.dataDir, 'datasets', 'b.v1.duckdb.enc')
    await writeEncryptedFile(bFile, secretB, k.id, k.key, datasetContext(bId))
    ;(await bench.core.deps.hostCopies.acquire([{ datasetId: bId, keyId: k.id, path: bFile }])).release()
    // B's file put in the place of A's (project A = the bench's project)
    const aProject = (await bench.store.getProject(bench.project.id))!
    copyFileSync(bFile, join(bench.dataDir, aProject.datasets[0]!.file!))
    const start = createStart(bench.core, createLaunch(bench.core))
    const row = await start(bench.researcher, bench.project.id, ctx)
    await bench.settle()
    const after = (await bench.store.getSandboxSession(row.id))!
    const mounted = after.sandboxId ? bench.driver.sandboxes.get(after.sandboxId)?.spec.readOnlyFiles ?? [] : []
    const leaked = mounted.some((f) => readFileSync(f.source).equals(secretB))
    expect({ state: after.state, leaked }, JSON.stringify({ mounted, reason: after.reason })).toEqual({ state: 'failed', leaked: false })
  })

  it('control: without the copy on the host the same swapped file is refused (the decryption context holds)', async () => {
    bench = await sessionBench()
    const { keyring } = bench.core.deps
    const bId = 'dataset-of-project-b'
    const k = keyring.create('dataset', datasetKeyScope(bId, 1))
    const bFile = join(bench.dataDir, 'datasets', 'b.v1.duckdb.enc')
    await writeEncryptedFile(bFile, Buffer.from('PATIENT OF PROJECT B '.repeat(500)), k.id, k.key, datasetContext(bId))
    const aProject = (await bench.store.getProject(bench.project.id))!
    copyFileSync(bFile, join(bench.dataDir, aProject.datasets[0]!.file!))
    const start = createStart(bench.core, createLaunch(bench.core))
    const row = await start(bench.researcher, bench.project.id, ctx)
    await bench.settle()
    expect((await bench.store.getSandboxSession(row.id))!).toMatchObject({ state: 'failed', reason: expect.stringMatching(/does not decrypt|names a key that is not one of its dataset's/) })
    expect(bench.core.deps.hostCopies.present()).toEqual([])
  })
})
