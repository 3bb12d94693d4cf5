import { type AirlockDeps, createCore } from './core.js'
import { createExceptions } from './exceptions.js'
import { createIndependence } from './independence.js'
import { createQuarantineRoom } from './quarantine-room.js'
import { createRelease } from './release.js'
import { createReview } from './review.js'
import { createRounds } from './rounds.js'
import { createSubmission } from './submission.js'

export { IMPORT_REVIEWERS, MAX_FILES, MAX_JUSTIFICATION, type AirlockDeps } from './core.js'
export { extensionOf, type SubmitFile } from './rounds.js'

/**
 * The airlock: a researcher's outputs leave the environment only through here, and software and
 * reference files come in only through here.
 *
 * Files are copied out of the running sandbox into quarantine under their SHA-256 and checked
 * against the disclosure rules (rounds.ts, submission.ts). Reviewers assigned to the project and
 * independent of it vote on each file, their votes hidden from each other until their own review is
 * in; the policy's number of reviews decides each file, a further reviewer settles a disagreement
 * (review.ts); a reviewer who stops being independent stops counting (independence.ts). A failing check blocks approval unless the researcher asked an exception the policy
 * allows and each approving reviewer acknowledged it (exceptions.ts). Every move goes through one
 * table of states and permissions (gate.ts, plans.ts). What is approved is released only while its
 * stored bytes match the approved digests, to its requester only, file by file or as one package
 * with the record of the controls applied (release.ts, package.ts). Every step is audited; a
 * refused one changes nothing.
 */
export function createAirlockService(deps: AirlockDeps) {
  const core = createCore(deps)
  const quarantine = createQuarantineRoom(deps)
  const rounds = createRounds(core, quarantine)
  const submission = createSubmission(core, quarantine, rounds)
  const independence = createIndependence(core)
  const release = createRelease(core, quarantine, independence)
  const review = createReview(core, release, independence)
  const exceptions = createExceptions(core)
  return {
    ...submission,
    /** the rules the request's round is judged by (its policy as it was when the round was submitted) */
    rulesFor: core.rulesFor,
    params: core.params,
    /** a request as stored, with every round's files, votes and reviews; null if there is none */
    detail: (id: string) => deps.store.airlock.detail(id),
    /** a person as the airlock's views name them */
    usernameOf: async (userId: string) => (await deps.store.getUserById(userId))?.username ?? 'unknown',

    /** the reviewers whose votes on a request count now */
    countingNow: independence.countingNow,
    /** after memberships, accounts or assignments changed: the votes of reviewers no longer independent stop counting */
    recheckIndependence: independence.recheck,

    queue: review.queue,
    review: review.open,
    standing: review.standing,
    preview: review.preview,
    excerpt: review.excerpt,
    vote: review.vote,
    submitReview: review.submitReview,

    askException: exceptions.ask,

    download: release.download,
    downloadPackage: release.downloadPackage,
    releaseApproved: release.releaseApproved,
    deliverPending: release.deliverPending,

    sweepQuarantine: quarantine.sweepQuarantine
  }
}

export type AirlockService = ReturnType<typeof createAirlockService>
