import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyRequest } from 'fastify'
import { errorResponses, NoContent } from '../../../../schemas/common.js'
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
  /** The caller's running session, and who they are to its records. */
  const callerIn = async (request: Pick<FastifyRequest, 'principal' | 'ip'> & { params: { id: string } }) => {
    const user = request.principal!.user
    const s = await running(request.params.id, user.id)
    return [{ actor: user.id, sourceIp: request.ip }, s] as const
  }

  app.get(
    '/:id/files',
    {
      schema: { params: SessionParams, response: { 200: FileListView, ...errorResponses } },
      preHandler: app.requireEligible('file.list', { session: 'params.id' })
    },
    async (request) => app.files.list(await running(request.params.id, request.principal!.user.id))
  )

  app.post(
    '/:id/files/folder',
    {
      schema: { params: SessionParams, body: PathBody, response: { 201: FileEntry, ...errorResponses } },
      preHandler: app.requireEligible('file.folder', { session: 'params.id' })
    },
    async (request, reply) => {
      const entry = await app.files.makeFolder(...(await callerIn(request)), request.body.path)
      return reply.status(201).send(entry)
    }
  )

  app.post(
    '/:id/files/move',
    {
      schema: { params: SessionParams, body: MoveBody, response: { 200: FileEntry, ...errorResponses } },
      preHandler: app.requireEligible('file.move', { session: 'params.id' })
    },
    async (request) => app.files.move(...(await callerIn(request)), request.body.from, request.body.to)
  )

  app.delete(
    '/:id/files',
    {
      schema: { params: SessionParams, querystring: PathQuery, response: { 204: NoContent, ...errorResponses } },
      preHandler: app.requireEligible('file.delete', { session: 'params.id' })
    },
    async (request, reply) => {
      await app.files.remove(...(await callerIn(request)), request.query.path)
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
    async (request) => app.files.toOutbox(...(await callerIn(request)), request.body.path)
  )

  /** The text of a notebook or code file, for editing; data files are refused (415). */
  app.get(
    '/:id/files/content',
    {
      schema: { params: SessionParams, querystring: PathQuery, response: { 200: FileContentView, ...errorResponses } },
      preHandler: app.requireEligible('file.open', { session: 'params.id' })
    },
    async (request) => app.files.open(...(await callerIn(request)), request.query.path)
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
      return app.files.save(...(await callerIn(request)), path, content, baseModifiedAt)
    }
  )
}

export default routes
