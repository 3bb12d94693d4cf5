import { existsSync } from 'node:fs'
import { join } from 'node:path'
import fastifyStatic from '@fastify/static'
import fp from 'fastify-plugin'
import { Errors } from '../../errors.js'

/**
 * Serves the built web app. Paths outside /api that are not files get index.html so the app's
 * own routes survive a reload; unknown /api paths get the JSON error shape.
 */
export default fp(
  async (app) => {
    const root = app.config.webRoot
    const hasApp = root !== null && existsSync(join(root, 'index.html'))
    if (hasApp) {
      await app.register(fastifyStatic, { root, wildcard: true, index: ['index.html'], cacheControl: false })
    }
    app.setNotFoundHandler(async (request, reply) => {
      if (hasApp && request.method === 'GET' && !request.url.startsWith('/api/')) {
        return reply.header('cache-control', 'no-cache').sendFile('index.html')
      }
      throw new Errors.NotFound(`There is no ${request.method} ${request.url.split('?')[0]}.`)
    })
  },
  { name: 'web-app', dependencies: ['config'] }
)
