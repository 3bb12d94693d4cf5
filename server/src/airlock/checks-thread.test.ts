import { createHash } from 'node:crypto'
import { afterEach, describe, expect, it } from 'vitest'
import { ChecksFailed, ChecksThread } from './checks-thread.js'
import { resolveAirlockParams } from './disclosure/params.js'
import { checkRound, type RoundJob } from './disclosure/round.js'

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex')
const file = (name: string, text: string) => {
  const bytes = Buffer.from(text)
  return { name, sha256: sha256(bytes), bytes }
}
const params = resolveAirlockParams({ preset: 'ndb-japan' })

const threads: ChecksThread[] = []
const thread = (timeoutMs?: number) => {
  const t = new ChecksThread(timeoutMs)
  threads.push(t)
  return t
}
afterEach(async () => {
  for (const t of threads.splice(0)) await t.close()
})

describe('disclosure checks on a worker thread', () => {
  it('gives the same reports as the checks run in place, differencing included', async () => {
    const job: RoundJob = {
      params,
      files: [file('by-sex.csv', 'sex,n\nF,700\nM,1300\n'), file('by-sex-2.csv', 'sex,n\nF,703\nM,1300\n')],
      earlier: [file('earlier.csv', 'sex,n\nF,20\nM,2\n')]
    }
    const reports = await thread().run(job)
    expect(reports).toEqual(checkRound(job))
    expect(reports.map((r) => r.outcome)).toEqual(['fail', 'fail'])
    expect(reports[0]!.results.find((r) => r.rule === 'differencing')!.outcome).toBe('fail')
  })

  it('uses a recount of individuals to find more small cells, never fewer', async () => {
    const job: RoundJob = { params, files: [file('claims.csv', 'g,claims\na,50\nb,40\n')], earlier: [] }
    const [plain] = await thread().run(job)
    const [recounted] = await thread().run({ ...job, files: [{ ...job.files[0]!, evidence: { individualsPerRow: [30, 3] } }] })
    const [larger] = await thread().run({ ...job, files: [{ ...job.files[0]!, evidence: { individualsPerRow: [5000, 5000] } }] })
    const threshold = (r: typeof plain) => r!.results.find((x) => x.rule === 'threshold')!.outcome
    // nothing declares what "claims" holds: whole numbers may be sums, so without the recount it is review
    expect(threshold(plain)).toBe('review')
    expect(threshold(recounted)).toBe('fail')
    expect(threshold(larger)).toBe('pass')
  })

  it('rejects a round whose bytes are not the recorded ones, and goes on with the next', async () => {
    const t = thread()
    const bad = { ...file('x.csv', 'a,n\nq,30\n'), sha256: '0'.repeat(64) }
    await expect(t.run({ params, files: [bad], earlier: [] })).rejects.toThrow(/not the ones recorded/)
    await expect(t.run({ params, files: [file('x.csv', 'a,n\nq,30\n')], earlier: [] })).resolves.toHaveLength(1)
  })

  it('gives up on a round that overruns, with a reason, and starts a new thread for the next', async () => {
    const t = thread()
    const rows = Array.from({ length: 20_000 }, (_, i) => `g${i},${i % 50}`).join('\n')
    const err = await t.run({ params, files: [file('big.csv', `g,n\n${rows}\n`)], earlier: [] }, 1).catch((e) => e)
    expect(err).toBeInstanceOf(ChecksFailed)
    expect((err as Error).message).toMatch(/did not finish within/)
    await expect(t.run({ params, files: [file('x.csv', 'a,n\nq,30\n')], earlier: [] })).resolves.toHaveLength(1)
  })
})
