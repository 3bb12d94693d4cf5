/**
 * Attack on admission control (start.ts + admission.ts): a burst of starts against a host with
 * room for one. Written by a security review against the first version; each test asserts the defence that now holds.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { type SessionBench, sessionBench } from '../../../test/support/session-core.js'
import { createStart } from './start.js'

let bench: SessionBench
afterEach(() => bench.close())
const ctx = { sourceIp: '192.0.2.9' } as Parameters<ReturnType<typeof createStart>>[2]

describe('admission under a burst of starts', () => {
  it('(g) admits no more sandboxes than the host has room for when they are asked for together', async () => {
    bench = await sessionBench({ sessionsPerUser: 5 })
    let launched = 0
    // the launches have not run yet (they are queued behind the answer): the host's figures do not move
    const start = createStart(bench.core, async () => {
      launched++
    })
    const GiB = 1024 ** 3
    // room for exactly one sandbox: 1024 MiB reserve + 256 MiB for one, and 100 MiB spare
    bench.core.deps.admission.read = () => ({
      memTotalBytes: 8 * GiB,
      memAvailableBytes: (1024 + 256 + 100) * 1024 * 1024,
      threads: 500,
      threadsMax: 32768
    })
    const results = await Promise.allSettled([1, 2, 3, 4, 5].map(() => start(bench.researcher, bench.project.id, ctx)))
    await bench.settle()
    const admitted = results.filter((r) => r.status === 'fulfilled').length
    expect(admitted, `${admitted} sandboxes admitted to a host with room for one (${launched} launched)`).toBeLessThanOrEqual(1)
  })
})
