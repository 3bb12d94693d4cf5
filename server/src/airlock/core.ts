import type { FastifyBaseLogger } from 'fastify'
import { Errors } from '../errors.js'
import type { Policy } from '../policy/schema.js'
import type { SandboxDriver } from '../sandbox/driver.js'
import type { AirlockRequestDetail, AirlockRequestRow, Store } from '../store/types.js'
import { resolveAirlockParams, type AirlockParams } from './disclosure/params.js'
import type { RoundJob, RoundReport } from './disclosure/round.js'
import type { CatalogMarks } from './disclosure/types.js'
import type { ReviewRules } from './gate.js'
import type { MoveContext } from './plans.js'
import type { Quarantine } from './quarantine.js'

/** Who is acting, from where: what every airlock action records. */
export interface Context {
  sourceIp: string | null
}

/** Longest justification or exception reason a researcher may write for one file. */
export const MAX_JUSTIFICATION = 4000
/** Most files in one request. */
export const MAX_FILES = 20
/** Approvals that let software or reference files in ("a reviewer approves"); outputs need the policy's number. */
export const IMPORT_REVIEWERS = 1

/** What the airlock works with. */
export interface AirlockDeps {
  store: Store
  driver: SandboxDriver
  quarantine: Quarantine
  /** the policy in force for a project */
  policy: (projectId: string) => Policy
  /** the name and version of that policy, for the record of the controls applied */
  policyVersion: (projectId: string) => { name: string; version: number }
  now: () => Date
  /** the calendar whose days the preview cap counts */
  timeZone: string
  log: FastifyBaseLogger
  /** runs a round's disclosure checks off the event loop (a ChecksThread) */
  checks: { run(job: RoundJob): Promise<RoundReport[]> }
  /** the identifier and quasi-identifier columns of the project's datasets, from their catalogs */
  catalogMarks?: (projectId: string) => Promise<CatalogMarks>
}

/** The airlock's parts share these: its dependencies and the policy's rules for a request. */
export interface AirlockCore {
  deps: AirlockDeps
  /** the parameters of the policy in force for a project now: what a new round is checked and judged by */
  params(projectId: string): AirlockParams
  /**
   * The parameters a request's round is judged by: those its files were checked under, recorded with
   * them at submission, so that a policy edited mid-review does not change the rule a round is
   * decided by (a round recorded before they were kept: the policy in force).
   */
  roundParams(d: AirlockRequestDetail, round?: number): AirlockParams
  /** what the round's policy says about reviewing it (an import: one reviewer, no exceptions) */
  rulesFor(d: AirlockRequestDetail): ReviewRules
  /** the same for a round about to be submitted under `p` */
  rulesOf(direction: AirlockRequestRow['direction'], p: AirlockParams): ReviewRules
  moveContext(actor: string, ctx: Context): MoveContext
  /** a request of the caller's own, or 404 */
  mine(id: string, userId: string, direction?: AirlockRequestRow['direction']): Promise<AirlockRequestDetail>
}

export function createCore(deps: AirlockDeps): AirlockCore {
  const params = (projectId: string) => resolveAirlockParams(deps.policy(projectId).airlock)
  const roundParams = (d: AirlockRequestDetail, round = d.request.round): AirlockParams => {
    const now = params(d.request.projectId)
    const recorded = d.files.find((f) => f.round === round && f.policy !== null)?.policy?.params
    // a key added to the airlock since the round was recorded is taken from the policy in force
    return recorded !== null && typeof recorded === 'object' ? { ...now, ...(recorded as Partial<AirlockParams>) } : now
  }
  const rulesOf = (direction: AirlockRequestRow['direction'], p: AirlockParams): ReviewRules =>
    direction === 'import'
      ? { needed: IMPORT_REVIEWERS, exceptionRules: [], partialRelease: false }
      : { needed: p.reviewers, exceptionRules: p.exceptionRules, partialRelease: p.partialRelease }
  return {
    deps,
    params,
    roundParams,
    rulesOf,
    rulesFor: (d) => rulesOf(d.request.direction, roundParams(d)),
    moveContext: (actor, ctx) => ({ actor, sourceIp: ctx.sourceIp, at: deps.now().toISOString() }),
    async mine(id, userId, direction = 'export') {
      const d = await deps.store.airlock.detail(id)
      if (d === null || d.request.requesterId !== userId || d.request.direction !== direction) {
        throw new Errors.NotFound(`There is no such ${direction} request.`)
      }
      return d
    }
  }
}
