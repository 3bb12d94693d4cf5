import fp from 'fastify-plugin'
import type { Config } from '../../config/config.js'

declare module 'fastify' {
  interface FastifyInstance {
    config: Config
    now: () => Date
  }
}

export default fp<{ config: Config; now: () => Date }>(
  async (app, opts) => {
    app.decorate('config', opts.config)
    app.decorate('now', opts.now)
  },
  { name: 'config' }
)
