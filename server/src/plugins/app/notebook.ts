import fp from 'fastify-plugin'
import { createKernelService, type KernelService } from '../../notebook/kernel-service.js'

declare module 'fastify' {
  interface FastifyInstance {
    kernels: KernelService
  }
}

/** Notebook kernels, one per running session, gone when the session leaves `running`. */
export default fp(
  async (app) => {
    const kernels = createKernelService({ driver: app.sandboxDriver, log: app.log })
    app.decorate('kernels', kernels)
    const unsubscribe = app.sessions.onEnding((id) => {
      kernels.end(id).catch((err: unknown) => app.log.error({ err, session: id }, 'ending a kernel failed'))
    })
    app.addHook('onClose', async () => unsubscribe())
  },
  { name: 'notebook', dependencies: ['sessions'] }
)
