/**
 * Attacks on admission control (sessions/admission.ts, start.ts), reviewer "b". Each `it` asserts
 * the SECURE behaviour; a failing `it` is a demonstrated fail-open.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { type SessionBench, sessionBench } from '../../../test/support/session-core.js'
import { datasetContext, encryptedFileKeyId } from '../datasets/at-rest.js'
import { writeEncryptedFile } from '../keys/encrypted-file.js'
import { admissionRefusal, DEFAULT_ADMISSION } from './admission.js'
import { createLaunch } from './launch.js'
import { createStart } from './start.js'

let bench: SessionBench | undefined
afterEach(() => {
  bench?.close()
  bench = undefined
})

const ctx = { sourceIp: '192.0.2.9' } as Parameters<ReturnType<typeof createStart>>[2]
const MiB = 1024 * 1024
const GiB = 1024 * MiB
/** exactly enough free memory for ONE idle sandbox above the host's reserve, and 1 MiB to spare */
const roomForOne = () => ({
  memTotalBytes: 24 * GiB,
  memAvailableBytes: (DEFAULT_ADMISSION.reserveMiB + DEFAULT_ADMISSION.sandboxMiB + 1) * MiB,
  threads: 900,
  threadsMax: 32768
})

describe('admission control: fail-open attempts', () => {
  // Starts are admitted on a reading of /proc taken before anything of the earlier admitted start
  // has been spent (its launch runs afterwards, asynchronously), and nothing is reserved: a burst
  // of starts (one per user, or sessionsPerUser of one user) all pass a check there was room for once.
  it('admits no more starts than the reading had room for when they arrive together', async () => {
    bench = await sessionBench({ sessionsPerUser: 3 })
    bench.core.deps.admission.read = roomForOne
    let launched = 0
    const start = createStart(bench.core, async () => {
      launched++
    })
    const results = await Promise.allSettled([0, 1, 2].map(() => start(bench!.researcher, bench!.project.id, ctx)))
    await bench.settle()
    expect(results.filter((r) => r.status === 'fulfilled').length, 'starts admitted with room for one').toBeLessThanOrEqual(1)
    expect(launched).toBeLessThanOrEqual(1)
  })

  // The dataset copy a start decrypts into /dev/shm (up to the policy's dataMiB, GiBs) is host
  // memory too, but admission only asks for sandboxMiB (256 MiB) free: a start needing a fresh copy
  // larger than what is free above the reserve is admitted and eats into the host's reserve.
  it('refuses a start whose dataset copy would not fit in the free memory above the reserve', async () => {
    bench = await sessionBench({ dataMiB: 64 })
    const project = (await bench.store.getProject(bench.project.id))!
    const file = `${bench.dataDir}/${project.datasets[0]!.file}`
    const keyId = encryptedFileKeyId(file)
    // a 32 MiB dataset (as a test elsewhere does: same key, new content)
    await writeEncryptedFile(
      file,
      Buffer.alloc(32 * MiB, 7),
      keyId,
      bench.core.deps.keyring.key(keyId),
      datasetContext(project.datasets[0]!.id)
    )
    bench.core.deps.admission.read = roomForOne // 1 MiB above what an idle sandbox needs
    const start = createStart(bench.core, createLaunch(bench.core))
    let admitted = true
    try {
      await start(bench.researcher, bench.project.id, ctx)
    } catch {
      admitted = false
    }
    await bench.settle()
    const decrypted = bench.core.deps.hostCopies.usage().bytes
    expect({ admitted, decryptedMiB: decrypted / MiB }, 'admitted and decrypted into /dev/shm beyond the free room').toEqual({
      admitted: false,
      decryptedMiB: 0
    })
  })

  // A reading the kernel could not give as numbers compares false both ways: NaN admits.
  it('a reading that is not a number refuses (fail closed), as a reading that throws does', () => {
    const r = { ...roomForOne(), memAvailableBytes: 64 * GiB, threads: Number.NaN }
    expect(admissionRefusal(r, DEFAULT_ADMISSION)).not.toBeNull()
    const m = { ...roomForOne(), memAvailableBytes: Number.NaN }
    expect(admissionRefusal(m, DEFAULT_ADMISSION)).not.toBeNull()
  })
})
