import { createHash } from 'node:crypto'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyRequest } from 'fastify'
import { Type } from 'typebox'
import { errorResponses } from '../../../../schemas/common.js'
import {
  FileContentView,
  FileEntry,
  FileListView,
  MoveBody,
  PathBody,
  PathQuery,
  SaveFileBody
} from '../../../../schemas/files.js'
import { SessionParams } from '../../../../schemas/sessions.js'
import { showFileText, showListing, viewerOf } from '../../../../display/screen.js'
import { sessionAccess } from './access.js'

/** A saved notebook may hold figures: the most the largest editable file takes as JSON, with room. */
const SAVE_BODY_LIMIT = 24 * 1024 * 1024

/**
 * The Files view of a running session: the workspace tree, folders, rename and move, delete, move
 * to the outbox, and the text of notebooks and code for editing. Every change is audited before it
 * is made, and every read of contents with the digest of what was shown; a refused one changes
 * nothing and is recorded as refused.
 */
const routes: FastifyPluginAsyncTypebox = async (app) => {
  const { running } = sessionAccess(app)
  const files = app.workspaceFiles

  /**
   * Audits an action on the caller's running session, then carries it out: the record is written
   * first, so nothing happens in the workspace that the audit log does not hold (fail closed). An
   * action that then fails or is refused gets a second record with its reason.
   */
  async function audited<T>(
    request: Pick<FastifyRequest, 'principal' | 'ip'> & { params: { id: string } },
    action: string,
    details: Record<string, unknown>,
    act: (sandboxId: string) => Promise<T>,
    after?: (result: T) => Record<string, unknown>
  ): Promise<T> {
    const user = request.principal!.user
    const s = await running(request.params.id, user.id)
    app.sessions.touch(s.id)
    const event = { actor: user.id, action, sourceIp: request.ip, target: s.id }
    if (after === undefined) await app.store.appendAudit({ ...event, outcome: 'success', details })
    let result: T
    try {
      result = await act(s.sandboxId)
    } catch (err) {
      const status = (err as { statusCode?: number }).statusCode ?? 500
      await app.store.appendAudit({
        ...event,
        outcome: status < 500 ? 'denied' : 'error',
        details: { ...details, reason: (err as Error).message }
      })
      throw err
    }
    // a read is recorded with what it returned (its digest and size)
    if (after !== undefined)
      await app.store.appendAudit({ ...event, outcome: 'success', details: { ...details, ...after(result) } })
    return result
  }

  app.get(
    '/:id/files',
    {
      schema: { params: SessionParams, response: { 200: FileListView, ...errorResponses } },
      preHandler: app.requireEligible('file.list', { session: 'params.id' })
    },
    async (request) => {
      const s = await running(request.params.id, request.principal!.user.id)
      const list = await files.list(s.sandboxId)
      const shown = showListing(app.display, viewerOf(s), list.entries)
      return { entries: shown.entries, truncated: list.truncated || shown.cut, displayCut: shown.cut }
    }
  )

  app.post(
    '/:id/files/folder',
    {
      schema: { params: SessionParams, body: PathBody, response: { 201: FileEntry, ...errorResponses } },
      preHandler: app.requireEligible('file.folder', { session: 'params.id' })
    },
    async (request, reply) => {
      const { path } = request.body
      const entry = await audited(request, 'file.folder', { path }, (sb) => files.makeFolder(sb, path))
      return reply.status(201).send(entry)
    }
  )

  app.post(
    '/:id/files/move',
    {
      schema: { params: SessionParams, body: MoveBody, response: { 200: FileEntry, ...errorResponses } },
      preHandler: app.requireEligible('file.move', { session: 'params.id' })
    },
    async (request) => {
      const { from, to } = request.body
      return audited(request, 'file.move', { from, to }, (sb) => files.move(sb, from, to))
    }
  )

  app.delete(
    '/:id/files',
    {
      schema: { params: SessionParams, querystring: PathQuery, response: { 204: Type.Null(), ...errorResponses } },
      preHandler: app.requireEligible('file.delete', { session: 'params.id' })
    },
    async (request, reply) => {
      const { path } = request.query
      await audited(request, 'file.delete', { path }, (sb) => files.remove(sb, path))
      return reply.status(204).send(null)
    }
  )

  /** Moves a file or folder into outbox/, where the airlock's reviewers will see it. */
  app.post(
    '/:id/files/outbox',
    {
      schema: { params: SessionParams, body: PathBody, response: { 200: FileEntry, ...errorResponses } },
      preHandler: app.requireEligible('file.outbox', { session: 'params.id' })
    },
    async (request) => {
      const { path } = request.body
      return audited(request, 'file.outbox', { path }, (sb) => files.toOutbox(sb, path))
    }
  )

  /** The text of a notebook or code file, for editing; data files are refused (415). */
  app.get(
    '/:id/files/content',
    {
      schema: { params: SessionParams, querystring: PathQuery, response: { 200: FileContentView, ...errorResponses } },
      preHandler: app.requireEligible('file.open', { session: 'params.id' })
    },
    async (request) => {
      const { path } = request.query
      const s = await running(request.params.id, request.principal!.user.id)
      return audited(
        request,
        'file.open',
        { path },
        async (sb) => {
          const f = await files.read(sb, path)
          return { ...f, ...showFileText(app.display, viewerOf(s), path, f.content) }
        },
        // what was shown, and what the budget held back
        (f) => ({
          size: f.size,
          shownBytes: Buffer.byteLength(f.content, 'utf8'),
          sha256: createHash('sha256').update(f.content).digest('hex'),
          ...(f.cut ? { heldBackBytes: f.cut.heldBackBytes } : {})
        })
      )
    }
  )

  app.put(
    '/:id/files/content',
    {
      bodyLimit: SAVE_BODY_LIMIT,
      schema: { params: SessionParams, body: SaveFileBody, response: { 200: FileEntry, ...errorResponses } },
      preHandler: app.requireEligible('file.save', { session: 'params.id' })
    },
    async (request) => {
      const { path, content, baseModifiedAt } = request.body
      return audited(request, 'file.save', { path, bytes: Buffer.byteLength(content) }, (sb) =>
        files.write(sb, path, content, baseModifiedAt)
      )
    }
  )
}

export default routes
