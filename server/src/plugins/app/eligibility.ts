import type { FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { Errors } from '../../errors.js'
import { dayIn } from '../../identity/calendar.js'
import { projectStanding } from '../../identity/project-standing.js'

/**
 * What a researcher does in a project, each refused while they may not work in it: the audit
 * action a refusal is recorded under, and what the refusal says they cannot do.
 */
const DOING = {
  'catalog.read': "read this project's catalog",
  'import.submit': 'bring files into this project',
  'import.withdraw': 'withdraw a request',
  'export.submit': 'submit outputs for review',
  'export.resubmit': 'submit outputs for review',
  'export.withdraw': 'withdraw a request',
  'export.download': 'download released outputs',
  'cell.run': 'run cells',
  'cell.export': 'send a result to the outbox',
  'terminal.open': 'open the terminal',
  'file.list': 'work with the workspace files',
  'file.folder': 'work with the workspace files',
  'file.move': 'work with the workspace files',
  'file.delete': 'work with the workspace files',
  'file.outbox': 'work with the workspace files',
  'file.open': 'work with the workspace files',
  'file.save': 'work with the workspace files'
} as const
export type ResearcherAction = keyof typeof DOING

type Field = `${'params' | 'query' | 'body'}.${string}`

/**
 * Where a route finds the project it acts on: named by the caller, or through a session or an
 * airlock request of the caller's own (one that is not theirs is left to the route, which says
 * it does not exist).
 */
export type ProjectSource = { project: Field } | { session: Field } | { request: Field }

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * preHandler hook factory: the signed-in researcher may work today in the project the request
     * acts on (account and organization active, certification valid, a member, within the
     * project's dates), or the request is refused with every reason and the refusal audited.
     */
    requireEligible: (action: ResearcherAction, where: ProjectSource) => (request: FastifyRequest) => Promise<void>
  }
}

function fieldOf(request: FastifyRequest, field: Field): string | null {
  const dot = field.indexOf('.')
  const holder = request[field.slice(0, dot) as 'params' | 'query' | 'body'] as Record<string, unknown> | undefined
  const value = holder?.[field.slice(dot + 1)]
  return typeof value === 'string' ? value : null
}

/**
 * The one eligibility check of every researcher action on a project, not only of a session's start:
 * certifications lapse, organizations and accounts are suspended, members removed and projects
 * end while a researcher is signed in. What stays open to them is what is theirs already (their
 * account and reasons at /me, their sessions' states, ending a session, their requests' states);
 * nothing that reads the project's data or moves anything in or out.
 */
export default fp(
  async (app) => {
    /** The project `where` points at; `named`: the caller gave its id, not something of theirs in it. */
    async function projectOf(request: FastifyRequest, where: ProjectSource, userId: string) {
      if ('project' in where) {
        const id = fieldOf(request, where.project)
        return id === null ? null : { projectId: id, target: id, named: true }
      }
      if ('session' in where) {
        const id = fieldOf(request, where.session)
        const s = id === null ? null : await app.sessions.get(id)
        return s === null || s.userId !== userId ? null : { projectId: s.projectId, target: s.id, named: false }
      }
      const id = fieldOf(request, where.request)
      const d = id === null ? null : await app.store.getAirlockRequest(id)
      return d === null || d.request.requesterId !== userId
        ? null
        : { projectId: d.request.projectId, target: d.request.id, named: false }
    }

    app.decorate(
      'requireEligible',
      (action: ResearcherAction, where: ProjectSource) => async (request: FastifyRequest) => {
        const user = request.principal!.user
        const found = await projectOf(request, where, user.id)
        if (found === null) return
        const { project, isMember, reasons } = await projectStanding(
          app.store,
          user,
          found.projectId,
          dayIn(app.now(), app.config.timeZone)
        )
        if (reasons.length === 0) return
        // an upload streamed as the body (an import) is read to its end, so the connection stays usable
        const body = request.body as { resume?: () => void } | undefined
        if (typeof body?.resume === 'function') body.resume()
        await app.refusals.record(
          { actor: user.id, action, sourceIp: request.ip, target: found.target },
          { project: found.projectId, reasons }
        )
        // a project named by someone not in it answers as one that does not exist: its title stays unknown
        if (project === null || (found.named && !isMember)) throw new Errors.NotFound('There is no such project.')
        throw new Errors.NotEligible(`You cannot ${DOING[action]}: ${reasons.join('; ')}.`)
      }
    )
  },
  { name: 'eligibility', dependencies: ['store', 'config', 'auth'] }
)
