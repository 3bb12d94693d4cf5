import type { FastifyInstance, FastifyRequest } from 'fastify'
import { Errors } from '../../../../errors.js'
import type { Actor } from '../../../../identity/administration.js'
import { ConflictingInput, ForbiddenInput, InvalidInput, NotFoundInput } from '../../../../identity/accounts.js'

/** The administrator making a request, as the identity functions record them. */
export function actorOf(request: FastifyRequest): Actor {
  const user = request.principal!.user
  return { actor: user.id, sourceIp: request.ip ?? null, userId: user.id }
}

/**
 * Runs an administrator's change. A refusal by the identity rules is audited (outcome denied, with
 * the reason) and answered with its sentence: 400 for bad input, 403 for what is not the asker's
 * to do, 404 for something missing, 409 for a change that clashes with what is there. Nothing was
 * written for it.
 */
export async function administer<T>(
  app: FastifyInstance,
  request: FastifyRequest,
  action: string,
  target: string | null,
  change: () => Promise<T>
): Promise<T> {
  try {
    return await change()
  } catch (err) {
    if (!(err instanceof InvalidInput)) throw err
    await app.store.appendAudit({
      actor: request.principal!.user.id,
      action,
      sourceIp: request.ip ?? null,
      target,
      outcome: 'denied',
      details: { reason: err.message }
    })
    const sentence = err.message.charAt(0).toUpperCase() + err.message.slice(1)
    const message = /[.!?]$/.test(sentence) ? sentence : `${sentence}.`
    if (err instanceof NotFoundInput) throw new Errors.NotFound(message)
    if (err instanceof ForbiddenInput) throw new Errors.Forbidden(message)
    if (err instanceof ConflictingInput) throw new Errors.Conflict(message)
    throw new Errors.BadRequest(message)
  }
}

/**
 * Ends the sessions a change has taken the right to work from, now rather than at the reaper's
 * next pass; a failure is logged and the reaper tries again within its interval. And drops, audited
 * as `by`'s change, the votes on open airlock requests of reviewers the change made no longer
 * independent of them (a member of the project now, moved into the requester's organization,
 * unassigned); should that fail, their votes still count for nothing (airlock/independence.ts).
 */
export async function enforceNow(app: FastifyInstance, by?: Actor): Promise<void> {
  try {
    const ending = await app.sessions.endLapsed()
    if (ending.length > 0) app.log.info({ sessions: ending }, 'ending sessions whose right to work lapsed')
  } catch (err) {
    app.log.error({ err }, 'could not end lapsed sessions now; the reaper will')
  }
  try {
    await app.airlock.recheckIndependence(by ?? { actor: 'system', sourceIp: null })
  } catch (err) {
    app.log.error({ err }, 'could not drop the votes of reviewers no longer independent; they count for nothing')
  }
}
