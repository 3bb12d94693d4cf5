import fp from 'fastify-plugin'
import { loadPolicyFile } from '../../policy/load.js'
import type { Policy } from '../../policy/schema.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** The platform policy in force; read through a function so a reload is seen everywhere. */
    policy: () => Policy
  }
}

export default fp(
  async (app) => {
    const policy = loadPolicyFile(app.config.policyFile)
    app.decorate('policy', () => policy)
  },
  { name: 'policy', dependencies: ['config'] }
)
