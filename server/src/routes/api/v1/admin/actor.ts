import type { FastifyRequest } from 'fastify'
import type { Actor } from '../../../../identity/administration.js'

/** The administrator making a request, as the identity functions record them. */
export function actorOf(request: FastifyRequest): Actor {
  const user = request.principal!.user
  return { actor: user.id, sourceIp: request.ip ?? null, userId: user.id }
}
