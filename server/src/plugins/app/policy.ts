import { existsSync } from 'node:fs'
import { join } from 'node:path'
import fp from 'fastify-plugin'
import { PROJECT_ROOT } from '../../config/config.js'
import { createPolicyService, type PolicyService } from '../../policy/policy-service.js'
import type { Policy } from '../../policy/schema.js'

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * The default policy in force (the platform's sign-in limits come from it); read through a
     * function, so a new version saved in the console is seen everywhere at once.
     */
    policy: () => Policy
    /** The policy in force for a project: the one assigned to it, else the default. */
    policyFor: (projectId: string) => Policy
    policies: PolicyService
  }
}

/** Where the preset policies ship (ndb-japan.yaml, acro-default.yaml, ...). */
export const PRESET_DIR = join(PROJECT_ROOT, 'policies')

export default fp(
  async (app) => {
    const policies = await createPolicyService({
      store: app.store,
      log: app.log,
      defaultFile: app.config.policyFile,
      presetDir: existsSync(PRESET_DIR) ? PRESET_DIR : null
    })
    app.decorate('policies', policies)
    app.decorate('policy', policies.policy)
    app.decorate('policyFor', policies.policyFor)
  },
  { name: 'policy', dependencies: ['config', 'store'] }
)
