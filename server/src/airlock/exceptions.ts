import { randomUUID } from 'node:crypto'
import { Errors } from '../errors.js'
import type { UserRow } from '../store/types.js'
import { type AirlockCore, type Context, MAX_JUSTIFICATION } from './core.js'
import { planException } from './requester-plans.js'
import { type Attempt, recordingRefusals } from '../audit/refusals.js'

/**
 * Exceptions (as SACRO's exception requests): a researcher asks, with a reason, that one failing
 * check of one file be accepted, for a rule the project's policy allows excepting (never the file
 * type or row-level data). Asked at submission, with a resubmission, or here before reviewers
 * begin on the file; each reviewer who approves the file then acknowledges it with a comment.
 */
export function createExceptions(core: AirlockCore) {
  const { store } = core.deps
  return {
    async ask(requester: UserRow, id: string, fileId: string, rule: string, reason: string, ctx: Context) {
      const attempt: Attempt = {
        actor: requester.id,
        action: 'export.exception',
        sourceIp: ctx.sourceIp,
        target: id,
        details: { file: fileId, rule }
      }
      return recordingRefusals(store, attempt, async () => {
        await core.mine(id, requester.id)
        const text = reason.trim()
        if (text === '') throw new Errors.BadRequest(`Say why the ${rule} check should be excepted.`)
        if (text.length > MAX_JUSTIFICATION) {
          throw new Errors.BadRequest(`The reason is longer than ${MAX_JUSTIFICATION} characters.`)
        }
        return (await store.airlock.move(id, (d) =>
          planException(d, fileId, rule, text, core.rulesFor(d), core.moveContext(requester.id, ctx), randomUUID)
        ))!
      })
    }
  }
}
