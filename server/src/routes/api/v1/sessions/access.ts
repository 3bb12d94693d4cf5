import type { FastifyInstance } from 'fastify'
import { Errors } from '../../../../errors.js'

/** How the session routes find the caller's session, or say why not. */
export function sessionAccess(app: FastifyInstance) {
  /** A session of someone else is reported as not found, so ids can't be probed. */
  const own = async (id: string, userId: string) => {
    const s = await app.sessions.get(id)
    if (s === null || s.userId !== userId) throw new Errors.NotFound('There is no such session.')
    return s
  }

  /** A running session of the caller's, or why not. */
  const running = async (id: string, userId: string) => {
    const s = await own(id, userId)
    if (s.state !== 'running' || s.sandboxId === null) {
      throw new Errors.Conflict(`The session is ${s.state}; this needs a running session.`)
    }
    return s as typeof s & { sandboxId: string }
  }

  return { own, running }
}
