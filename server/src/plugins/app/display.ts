import fp from 'fastify-plugin'
import { createDisplayService, type DisplayService } from '../../display/display-service.js'

declare module 'fastify' {
  interface FastifyInstance {
    display: DisplayService
  }
}

/** The display budget of every session: what may still reach a researcher's screen. */
export default fp(
  async (app) => {
    app.decorate('display', createDisplayService({ policyFor: app.policyFor, now: app.now }))
  },
  { name: 'display', dependencies: ['policy', 'config'] }
)
