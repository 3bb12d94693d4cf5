import fp from 'fastify-plugin'
import { DataOperationLog } from '../../audit/data-operations.js'
import { type CellService, createCellService } from '../../notebook/cell-service.js'
import { createKernelService, type KernelService } from '../../notebook/kernel-service.js'
import type { SandboxPolicy } from '../../policy/schema.js'
import { DEFAULT_ROW_CAP } from '../../sessions/session-service.js'

declare module 'fastify' {
  interface FastifyInstance {
    kernels: KernelService
    /** every cell source run or exported, in full, per session (the audit keeps digests and excerpts) */
    dataOperations: DataOperationLog
    /** cells run and exported, with their data-operation log and audit records */
    cells: CellService
  }
}

/** Notebook kernels, one per running session, gone when the session leaves `running`. */
export default fp(
  async (app) => {
    const kernels = createKernelService({
      driver: app.sandboxDriver,
      log: app.log,
      rowCap: async (id) => {
        const limits = (await app.store.getSandboxSession(id))?.limits as Partial<SandboxPolicy> | undefined
        return limits?.rowCap ?? DEFAULT_ROW_CAP
      }
    })
    app.decorate('kernels', kernels)
    // a sandbox started ahead has its kernel running before anyone claims it
    app.sessions.pool.useKernels({ prestart: kernels.prestart, adopt: kernels.adopt, end: kernels.end })
    const dataOperations = new DataOperationLog(app.config.dataDir, {
      keyring: app.keys.keyring,
      projectOf: async (id) => (await app.store.getSandboxSession(id))?.projectId ?? null
    })
    app.decorate('dataOperations', dataOperations)
    app.decorate(
      'cells',
      createCellService({
        store: app.store,
        kernels,
        dataOperations,
        policyFor: app.policyFor,
        display: app.display,
        touch: (id) => app.sessions.touch(id),
        now: app.now,
        log: app.log
      })
    )
    const unsubscribe = app.sessions.onEnding((id) => {
      kernels.end(id).catch((err: unknown) => app.log.error({ err, session: id }, 'ending a kernel failed'))
    })
    // the kernel (and its Python) starts with the session, not with the first cell
    const unsubscribeRunning = app.sessions.onRunning((id) => {
      void (async () => {
        const session = await app.store.getSandboxSession(id)
        if (session?.state === 'running' && session.sandboxId !== null) await kernels.status(id, session.sandboxId)
      })().catch((err: unknown) => app.log.warn({ err, session: id }, 'the kernel could not be started ahead'))
    })
    app.addHook('onClose', async () => {
      unsubscribe()
      unsubscribeRunning()
    })
  },
  { name: 'notebook', dependencies: ['sessions', 'config', 'display'] }
)
