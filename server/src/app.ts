import Fastify, { type FastifyInstance, type FastifyRequest, type RouteOptions } from 'fastify'
import websocket from '@fastify/websocket'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { Config } from './config/config.js'
import cookie from './plugins/external/cookie.js'
import rateLimit from './plugins/external/rate-limit.js'
import securityHeaders from './plugins/external/security-headers.js'
import webApp from './plugins/external/web-app.js'
import administration from './plugins/app/administration.js'
import airlock from './plugins/app/airlock.js'
import auditConsole from './plugins/app/audit-console.js'
import auth from './plugins/app/auth.js'
import configPlugin from './plugins/app/config.js'
import display from './plugins/app/display.js'
import eligibility from './plugins/app/eligibility.js'
import errorHandler from './plugins/app/error-handler.js'
import files from './plugins/app/files.js'
import notebook from './plugins/app/notebook.js'
import policy from './plugins/app/policy.js'
import sessions, { type SessionsPluginOptions } from './plugins/app/sessions.js'
import store from './plugins/app/store.js'
import monitoring from './plugins/app/monitoring.js'
import terminals from './plugins/app/terminals.js'
import adminApprovalRoutes from './routes/api/v1/admin/approvals/index.js'
import adminPeopleRoutes from './routes/api/v1/admin/people/index.js'
import adminPolicyRoutes from './routes/api/v1/admin/policies/index.js'
import adminProjectRoutes from './routes/api/v1/admin/projects/index.js'
import adminReviewerRoutes from './routes/api/v1/admin/reviewers/index.js'
import authRoutes from './routes/api/v1/auth/index.js'
import enrolmentRoutes from './routes/api/v1/enrolment/index.js'
import exportRoutes from './routes/api/v1/exports/index.js'
import importRoutes from './routes/api/v1/imports/index.js'
import meRoutes from './routes/api/v1/me/index.js'
import projectRoutes from './routes/api/v1/projects/index.js'
import reviewRoutes from './routes/api/v1/reviews/index.js'
import adminAuditRoutes from './routes/api/v1/admin/audit/index.js'
import adminMonitoringRoutes from './routes/api/v1/admin/monitoring/index.js'
import sessionRoutes from './routes/api/v1/sessions/index.js'
import terminalRoutes from './routes/api/v1/sessions/terminal.js'

export interface BuildOptions {
  config: Config
  /** The clock; tests move it to prove expiry. */
  now?: () => Date
  logger?: boolean
  /** Where log lines go (default stdout); tests read it to prove no token is ever logged. */
  logStream?: NodeJS.WritableStream
  /** the sandbox driver (default Docker) and how often the reaper runs */
  sessions?: SessionsPluginOptions
  /** Sees every route as it is registered; the wire contract's test proves the routes match it. */
  onRoute?: (route: RouteOptions) => void
}

/** Largest JSON body any route accepts; bigger uploads go through their own streaming routes. */
export const BODY_LIMIT = 64 * 1024

/** Wires the gateway: external plugins, then our services, then routes. Starting it is server.ts's job. */
export async function build(options: BuildOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger:
      options.logger === false
        ? false
        : {
            level: options.config.logLevel,
            // Tokens never reach the logs: neither the Authorization header nor the refresh cookie.
            redact: ['req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]'],
            // Nor what travels in a query string: terminal tickets, and the justification of a file
            // brought in (its body is the file itself).
            serializers: {
              req: (req: FastifyRequest) => ({
                method: req.method,
                url: req.url.replace(/\?.*$/s, '?…'),
                host: req.host,
                remoteAddress: req.ip
              })
            },
            ...(options.logStream ? { stream: options.logStream } : {})
          },
    bodyLimit: BODY_LIMIT,
    trustProxy:
      typeof options.config.trustProxy === 'number'
        ? (
            (hops: number) => (_address: string, hop: number) =>
              hop < hops
          )(options.config.trustProxy)
        : options.config.trustProxy,
    ajv: {
      // Unknown fields are an error, not silently dropped; a string is not a number.
      customOptions: { removeAdditional: false, coerceTypes: false, allErrors: false },
      plugins: []
    },
    routerOptions: { ignoreTrailingSlash: true }
  }).withTypeProvider<TypeBoxTypeProvider>()
  if (options.onRoute) app.addHook('onRoute', options.onRoute)

  await app.register(configPlugin, { config: options.config, now: options.now ?? (() => new Date()) })
  await app.register(errorHandler)
  await app.register(securityHeaders)
  await app.register(cookie)
  await app.register(rateLimit)
  // terminal messages are keystrokes and sizes: nothing near this
  await app.register(websocket, { options: { maxPayload: BODY_LIMIT } })
  await app.register(store)
  await app.register(policy)
  await app.register(auth)
  await app.register(eligibility)
  await app.register(display)
  await app.register(sessions, options.sessions ?? {})
  await app.register(terminals)
  await app.register(notebook)
  await app.register(files)
  await app.register(airlock)
  await app.register(monitoring)
  await app.register(administration)
  await app.register(auditConsole)
  await app.register(authRoutes, { prefix: '/api/v1/auth' })
  await app.register(enrolmentRoutes, { prefix: '/api/v1/enrolment' })
  await app.register(meRoutes, { prefix: '/api/v1/me' })
  await app.register(projectRoutes, { prefix: '/api/v1/projects' })
  await app.register(sessionRoutes, { prefix: '/api/v1/sessions' })
  await app.register(exportRoutes, { prefix: '/api/v1/exports' })
  await app.register(importRoutes, { prefix: '/api/v1/imports' })
  await app.register(reviewRoutes, { prefix: '/api/v1/reviews' })
  await app.register(adminPeopleRoutes, { prefix: '/api/v1/admin' })
  await app.register(adminProjectRoutes, { prefix: '/api/v1/admin' })
  await app.register(adminReviewerRoutes, { prefix: '/api/v1/admin' })
  await app.register(adminPolicyRoutes, { prefix: '/api/v1/admin' })
  await app.register(adminApprovalRoutes, { prefix: '/api/v1/admin' })
  await app.register(adminAuditRoutes, { prefix: '/api/v1/admin/audit' })
  await app.register(adminMonitoringRoutes, { prefix: '/api/v1/admin/monitoring' })
  // its own plugin: authenticated by a ticket, not the researcher hook of the session routes
  await app.register(terminalRoutes, { prefix: '/api/v1/sessions' })
  await app.register(webApp)
  return app
}
