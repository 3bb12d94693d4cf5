import { type SessionCore } from './core.js'
import { LABELS, mountedKeys } from './sandbox-spec.js'
import type { Stop } from './stop.js'

const SYSTEM = { actor: 'system', sourceIp: null }

const ERASED =
  'a dataset this session reads was erased (its key destroyed: the project ended, or a person withdrew ' +
  'and the dataset was issued again without them); start a new session to work on what remains'

/** What a pass over the host's dataset copies did. */
export interface SharedDatasetsPass {
  /** key ids of the copies removed (unused past their linger time, or erased) */
  removed: string[]
  /** sessions being ended because a dataset they mount was erased */
  ending: string[]
}

/**
 * Keeping the host's dataset copies (datasets/host-copies.ts) to what the sandboxes use: a copy
 * stays while a sandbox of this gateway names its key on its label (re-adopted ones included: the
 * engine, not the gateway's memory, says what runs) and a while after; an erased version's copy
 * goes at once, and the sessions still mounting it end, since an erasure or an opt-out means the
 * data may no longer be read.
 */
export function createSharedDatasets(core: SessionCore, stop: Stop) {
  const { store, driver, hostCopies } = core.deps

  async function pass(options: { lingerMs?: number } = {}): Promise<SharedDatasetsPass> {
    const destroyed = hostCopies.destroyedKeys()
    const ending: string[] = []
    const removed = await hostCopies.prune(async () => {
      const used = new Set<string>()
      const sandboxes = await driver.list({ [LABELS.gateway]: await store.gatewayId() })
      // a claimed pooled sandbox is its session's by the id on record, not by its labels
      const live = await store.listSandboxSessions({ states: ['starting', 'running', 'stopping'] })
      const bySandbox = new Map(live.filter((s) => s.sandboxId !== null).map((s) => [s.sandboxId!, s]))
      for (const sb of sandboxes) {
        const keys = mountedKeys(sb.labels)
        for (const k of keys) used.add(k)
        const erased = keys.filter((k) => destroyed.has(k))
        if (erased.length === 0) continue
        const sessionId = bySandbox.get(sb.id)?.id ?? sb.labels[LABELS.session]
        const row = sessionId === undefined ? null : await store.getSandboxSession(sessionId)
        if (row !== null && ['starting', 'running'].includes(row.state)) {
          ending.push(row.id)
          stop.stopLater(row.id, ERASED, SYSTEM)
        } else if (row === null || ['stopped', 'failed'].includes(row.state)) {
          // a sandbox no live session owns (its removal failed once) still holds the erased file open
          await driver.stop(sb.id)
          await store.appendAudit(
            core.system('sandbox.orphan_removed', sb.id, 'success', {
              session: sessionId ?? null,
              sessionState: row?.state ?? 'unknown',
              reason: 'it mounted an erased dataset'
            })
          )
        }
        // a stopping session is the reaper's: its stop is under way
      }
      return used
    }, options)
    return { removed, ending }
  }

  return { pass }
}
