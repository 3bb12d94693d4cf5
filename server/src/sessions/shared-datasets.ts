import { type SessionCore } from './core.js'
import { LABELS, mountedKeys } from './sandbox-spec.js'
import type { Stop } from './stop.js'

const SYSTEM = { actor: 'system', sourceIp: null }

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

  async function mountedNow(): Promise<Map<string, string[]>> {
    const sandboxes = await driver.list({ [LABELS.gateway]: await store.gatewayId() })
    return new Map(sandboxes.map((sb) => [sb.labels[LABELS.session] ?? sb.id, mountedKeys(sb.labels)]))
  }

  async function pass(options: { lingerMs?: number } = {}): Promise<SharedDatasetsPass> {
    const destroyed = hostCopies.destroyedKeys()
    const ending: string[] = []
    const removed = await hostCopies.prune(async () => {
      const used = new Set<string>()
      for (const [session, keys] of await mountedNow()) {
        for (const k of keys) used.add(k)
        const erased = keys.filter((k) => destroyed.has(k))
        if (erased.length === 0) continue
        const row = await store.getSandboxSession(session)
        if (row === null || !['starting', 'running'].includes(row.state)) continue
        ending.push(session)
        stop.stopLater(
          session,
          'a dataset this session reads was erased (its key destroyed: the project ended, or a person withdrew ' +
            'and the dataset was issued again without them); start a new session to work on what remains',
          SYSTEM
        )
      }
      return used
    }, options)
    return { removed, ending }
  }

  return { pass }
}
