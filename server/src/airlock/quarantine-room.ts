import type { Quarantine } from './quarantine.js'
import { DEFAULT_QUOTAS } from '../policy/schema.js'
import { quotaExceeded } from '../errors.js'
import type { AirlockRequestDetail } from '../store/types.js'
import type { AirlockDeps, Context } from './core.js'

/** A file a submission under way has stored for a project, not yet recorded in a request. */
export interface Hold {
  sha256: string
  projectId: string
  size: number
}

/**
 * The quarantine's bookkeeping: what submissions under way hold, the project's quota
 * (quotas.quarantineBytesPerProject), and deleting what no request needs any more.
 */
export function createQuarantineRoom(deps: Pick<AirlockDeps, 'store' | 'policy' | 'log'> & { quarantine: Quarantine }) {
  const { store } = deps

  /**
   * Files (project and digest) stored for a submission still being made (copied, not yet
   * recorded): a failed submission forgets what it stored unless another one of the project,
   * finished or still being made, holds the same bytes. Until recorded, they count against their
   * project's quarantine quota from here. Each project's files are its own (encrypted under its
   * key), so only its own requests keep them.
   */
  const inFlight = new Map<string, number>()
  const fileKey = (projectId: string, sha256: string) => `${projectId}/${sha256}`
  const underWay = new Set<Hold[]>()
  const hold = (holds: Hold[], h: Hold) => {
    holds.push(h)
    const k = fileKey(h.projectId, h.sha256)
    inFlight.set(k, (inFlight.get(k) ?? 0) + 1)
  }
  /** Whether a submission under way or a request of the project (but withdrawn and rejected ones) holds the file. */
  async function needed(projectId: string, sha256: string): Promise<boolean> {
    if (inFlight.has(fileKey(projectId, sha256))) return true
    return (await store.quarantineHoldings(projectId)).some((h) => h.sha256 === sha256)
  }
  async function letGo(holds: Hold[], failed: boolean): Promise<void> {
    underWay.delete(holds)
    for (const h of holds) {
      const k = fileKey(h.projectId, h.sha256)
      const left = (inFlight.get(k) ?? 1) - 1
      if (left > 0) inFlight.set(k, left)
      else inFlight.delete(k)
    }
    if (!failed) return
    for (const k of new Set(holds.map((h) => fileKey(h.projectId, h.sha256)))) {
      const [projectId, sha256] = k.split('/') as [string, string]
      if (!(await needed(projectId, sha256))) deps.quarantine.remove(projectId, sha256)
    }
  }

  /** Runs a submission that stores files, forgetting them again if it fails. */
  async function storing<T>(fn: (holds: Hold[]) => Promise<T>): Promise<T> {
    const holds: Hold[] = []
    underWay.add(holds)
    let failed = true
    try {
      const out = await fn(holds)
      failed = false
      return out
    } finally {
      await letGo(holds, failed).catch((err: unknown) =>
        deps.log.error({ err }, 'files of a failed submission could not be forgotten')
      )
    }
  }

  /**
   * Room in a project's quarantine quota (quotas.quarantineBytesPerProject), for a submission
   * storing `name`: the project's distinct files there (its requests' but withdrawn and rejected
   * ones', and its submissions' under way) may not pass it. Bytes the project holds already cost
   * nothing more.
   */
  function quarantineRoom(projectId: string, name: string, holds: Hold[]) {
    const refusal = (size: number, usedBytes: number, quotaBytes: number) =>
      quotaExceeded(
        `${name} (${size} bytes) was not stored: the project's files in quarantine hold ${usedBytes} of the ` +
          `${quotaBytes} bytes its policy allows (quotas.quarantineBytesPerProject). Withdrawing a request that ` +
          `is not yet decided frees its files, as does a rejection; released files stay.`,
        { quota: 'quarantineBytesPerProject', quotaBytes, usedBytes, requestedBytes: size }
      )
    /** digest -> size; run with no await between it and the hold that follows */
    const counted = (stored: { sha256: string; size: number }[]) => {
      const all = new Map(stored.map((h) => [h.sha256, h.size]))
      for (const list of underWay) for (const h of list) if (h.projectId === projectId) all.set(h.sha256, h.size)
      let usedBytes = 0
      for (const size of all.values()) usedBytes += size
      return { all, usedBytes, quotaBytes: (deps.policy(projectId).quotas ?? DEFAULT_QUOTAS).quarantineBytesPerProject }
    }
    return {
      /**
       * From a declared size, before anything is read: a file that can't fit is refused at once,
       * unless the project holds one of that size (it may be the same bytes, which cost nothing).
       */
      async precheck(size: number): Promise<void> {
        const { all, usedBytes, quotaBytes } = counted(await store.quarantineHoldings(projectId))
        if (usedBytes + size > quotaBytes && ![...all.values()].includes(size)) {
          throw refusal(size, usedBytes, quotaBytes)
        }
      },
      /** What quarantine.store asks once the file is read, before it gets its address; admitted, it is held at once. */
      async admit(file: { sha256: string; size: number }): Promise<void> {
        const { all, usedBytes, quotaBytes } = counted(await store.quarantineHoldings(projectId))
        // nothing awaits from the count to the hold: two submissions of one project can't both take the last room
        if (!all.has(file.sha256) && usedBytes + file.size > quotaBytes) throw refusal(file.size, usedBytes, quotaBytes)
        hold(holds, { sha256: file.sha256, projectId, size: file.size })
      }
    }
  }

  /**
   * Deletes the files of a withdrawn or rejected request that no other request of its project still
   * needs (withdrawn and rejected ones need none) and no submission under way holds: the project
   * gets the room back. Recorded first; what could not be deleted goes with the sweep at start.
   */
  async function freeQuarantine(d: AirlockRequestDetail, actor: string, ctx: Context): Promise<void> {
    const { projectId } = d.request
    try {
      const sizes = new Map(d.files.map((f) => [f.sha256, f.size]))
      const unneeded: string[] = []
      for (const sha256 of sizes.keys()) {
        if (!(await needed(projectId, sha256))) unneeded.push(sha256)
      }
      if (unneeded.length === 0) return
      let bytes = 0
      for (const sha256 of unneeded) bytes += sizes.get(sha256)!
      await store.appendAudit({
        actor,
        action: 'quarantine.remove',
        sourceIp: ctx.sourceIp,
        target: d.request.id,
        outcome: 'success',
        details: { project: d.request.projectId, request: d.request.id, files: unneeded, bytes }
      })
      // a submission of the same bytes may have begun meanwhile: it keeps them
      for (const sha256 of unneeded) {
        if (!inFlight.has(fileKey(projectId, sha256))) deps.quarantine.remove(projectId, sha256)
      }
    } catch (err) {
      deps.log.error(
        { err, request: d.request.id },
        'the files of a closed request could not be deleted from quarantine'
      )
    }
  }

  /**
   * At start, before anything is submitted: deletes partial copies a stopped gateway left, and
   * files no request refers to (a submission that failed between storing and recording). The
   * deletion is audited with what went.
   */
  async function sweepQuarantine(): Promise<{ files: string[]; partials: number }> {
    const { files: stored, partials } = deps.quarantine.contents()
    const files: { projectId: string; sha256: string }[] = []
    for (const f of stored) if (!(await needed(f.projectId, f.sha256))) files.push(f)
    // recorded first: a deletion the audit could not record does not happen
    if (files.length > 0 || partials.length > 0) {
      await store.appendAudit({
        actor: 'system',
        action: 'quarantine.sweep',
        sourceIp: null,
        target: null,
        outcome: 'success',
        details: { unreferenced: files.map((f) => f.sha256), partials: partials.length }
      })
    }
    for (const p of partials) deps.quarantine.removePartial(p.projectId, p.name)
    for (const f of files) deps.quarantine.remove(f.projectId, f.sha256)
    return { files: files.map((f) => f.sha256), partials: partials.length }
  }

  return { storing, quarantineRoom, freeQuarantine, sweepQuarantine, inFlight }
}

export type QuarantineRoom = ReturnType<typeof createQuarantineRoom>
