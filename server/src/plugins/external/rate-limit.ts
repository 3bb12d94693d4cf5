import rateLimit from '@fastify/rate-limit'
import fp from 'fastify-plugin'
import { Errors } from '../../errors.js'

/** Opt-in per route (`config.rateLimit`): only the sign-in routes are limited by address. */
export default fp(
  async (app) => {
    await app.register(rateLimit, {
      global: false,
      errorResponseBuilder: (_request, context) => {
        const err = new Errors.RateLimited(`try again in ${context.after}`)
        return err
      }
    })
  },
  { name: 'rate-limit' }
)
