import type { FastifyError, FastifyReply } from 'fastify'
import fp from 'fastify-plugin'
import { AuditWriteFailed } from '../../audit/record.js'
import { DomainError, Errors } from '../../errors.js'

/** Fastify's own client-error codes, renamed into ours so clients see one vocabulary. */
const FASTIFY_CODES: Record<string, string> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'VRE_ERR_BODY_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'VRE_ERR_UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'VRE_ERR_BAD_REQUEST',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'VRE_ERR_MALFORMED_JSON',
  FST_ERR_CTP_INVALID_JSON_BODY: 'VRE_ERR_MALFORMED_JSON'
}

/**
 * The one error handler, and the one place the domain error family (errors.ts) becomes HTTP. 4xx:
 * the code and sentence go to the client. 5xx: logged in full, the client gets a generic sentence,
 * except a 503 of ours that names what is unavailable. An audit write failure is a 503: the action
 * did not happen. Fastify's own client errors (validation, body parsing) are renamed into our codes.
 */
export default fp(
  async (app) => {
    app.setErrorHandler(async (error: FastifyError | DomainError, request, reply) => {
      if (error instanceof AuditWriteFailed || error.cause instanceof AuditWriteFailed) {
        request.log.error({ err: error }, 'audit write failed; request refused')
        return send(reply, new Errors.AuditUnavailable())
      }
      if (error instanceof DomainError) {
        if (error.statusCode < 500) return send(reply, error)
        if (error.statusCode === 503) {
          // A dependency we name (the sandbox engine) is down: say so, the action did not happen.
          request.log.warn({ err: error }, 'service unavailable')
          return send(reply, error)
        }
      } else if (error.validation) {
        return reply.status(400).send({
          error: { code: 'VRE_ERR_VALIDATION', message: `Invalid request: ${error.message}.` }
        })
      } else {
        const status = error.statusCode ?? 500
        if (status >= 400 && status < 500) {
          const code =
            FASTIFY_CODES[error.code] ??
            (error instanceof SyntaxError ? 'VRE_ERR_MALFORMED_JSON' : 'VRE_ERR_BAD_REQUEST')
          return reply.status(status).send({ error: { code, message: error.message } })
        }
      }
      request.log.error({ err: error }, 'internal error')
      return send(reply, new Errors.Internal())
    })
  },
  { name: 'error-handler' }
)

function send(reply: FastifyReply, error: DomainError) {
  return reply.status(error.statusCode).send({ error: { code: error.code, message: error.sentence } })
}
