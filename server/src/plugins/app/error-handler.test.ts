import Fastify from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AuditWriteFailed } from '../../audit/record.js'
import { DomainError, Errors } from '../../errors.js'
import { ConflictingInput, InvalidInput, NotFoundInput } from '../../identity/accounts.js'
import errorHandler from './error-handler.js'

const app = Fastify({ logger: false })
const throwing: Record<string, () => Error> = {
  'not-found': () => new Errors.NotFound('There is no such project.'),
  'identity-missing': () => new NotFoundInput('there is no such user'),
  'identity-clash': () => new ConflictingInput('this is the last active administrator; appoint another first'),
  'identity-bad': () => new InvalidInput('Display name is required.'),
  unavailable: () => new Errors.SandboxUnavailable('the engine does not answer'),
  internal: () => new Errors.Internal(),
  'audit-failed': () => new AuditWriteFailed('disk full'),
  private: () => new Error('SQLITE_BUSY: a store race the client must not read about')
}

beforeAll(async () => {
  await app.register(errorHandler)
  app.get('/:what', async (request) => {
    throw throwing[(request.params as { what: string }).what]!()
  })
  await app.ready()
})
afterAll(() => app.close())

const answer = async (what: string) => {
  const res = await app.inject({ method: 'GET', url: `/${what}` })
  return { status: res.statusCode, ...(res.json() as { error: { code: string; message: string } }).error }
}

describe('the one error handler', () => {
  it('answers a client error of the family with its code and sentence', async () => {
    expect(await answer('not-found')).toEqual({
      status: 404,
      code: 'VRE_ERR_NOT_FOUND',
      message: 'There is no such project.'
    })
  })

  it("answers the identity rules' refusals by their kind, the clause made a sentence", async () => {
    expect(await answer('identity-missing')).toEqual({
      status: 404,
      code: 'VRE_ERR_NOT_FOUND',
      message: 'There is no such user.'
    })
    expect(await answer('identity-clash')).toEqual({
      status: 409,
      code: 'VRE_ERR_CONFLICT',
      message: 'This is the last active administrator; appoint another first.'
    })
    expect(await answer('identity-bad')).toEqual({
      status: 400,
      code: 'VRE_ERR_BAD_REQUEST',
      message: 'Display name is required.'
    })
  })

  it('names what is unavailable in a 503 of ours, and hides every other server error', async () => {
    expect(await answer('unavailable')).toEqual({
      status: 503,
      code: 'VRE_ERR_SANDBOX_UNAVAILABLE',
      message: 'No sandbox can be started now: the engine does not answer.'
    })
    const hidden = { status: 500, code: 'VRE_ERR_INTERNAL', message: new Errors.Internal().message }
    expect(await answer('internal')).toEqual(hidden)
    expect(await answer('private')).toEqual(hidden)
  })

  it('answers an audit write failure as unavailable: the action did not happen', async () => {
    expect(await answer('audit-failed')).toMatchObject({ status: 503, code: 'VRE_ERR_AUDIT_UNAVAILABLE' })
  })

  it('makes every Errors member one of the family, formatting its arguments as before', () => {
    for (const make of Object.values(Errors)) expect(new make('x')).toBeInstanceOf(DomainError)
    const cause = new Error('root')
    const e = new Errors.TokenInvalid('expired', { cause })
    expect([e.message, e.code, e.statusCode, e.cause]).toEqual([
      'The access token is invalid: expired.',
      'VRE_ERR_TOKEN_INVALID',
      401,
      cause
    ])
  })
})
