import { describe, expect, it } from 'vitest'
import { urlOf } from './endpoints'
import { refreshedBy } from './query'

describe('urlOf', () => {
  it('fills in and encodes path parameters', () => {
    expect(urlOf('GET /api/v1/exports/:id/files/:fileId/content', { id: 'a/b', fileId: 'c d' })).toEqual({
      method: 'GET',
      url: '/api/v1/exports/a%2Fb/files/c%20d/content'
    })
  })

  it('appends the query string, leaving out absent values', () => {
    expect(
      urlOf('DELETE /api/v1/sessions/:id/files', { id: 's1' }, { path: 'work dir/a&b.csv', other: undefined })
    ).toEqual({ method: 'DELETE', url: '/api/v1/sessions/s1/files?path=work+dir%2Fa%26b.csv' })
  })

  it('adds no "?" when there is no query', () => {
    expect(urlOf('GET /api/v1/admin/approvals', {}, {}).url).toBe('/api/v1/admin/approvals')
  })
})

describe('refreshedBy', () => {
  it('reads the reviewers again when a project member changes, as their independence may have', () => {
    expect(refreshedBy('PUT /api/v1/admin/projects/:id/members/:userId')).toContain(
      'GET /api/v1/admin/projects/:id/reviewers'
    )
  })

  it('reads accounts and policies again when a second administrator decides a change', () => {
    const stale = refreshedBy('POST /api/v1/admin/approvals/:id/approve')
    expect(stale).toEqual(expect.arrayContaining(['GET /api/v1/admin/users', 'GET /api/v1/admin/policies']))
  })

  it('marks nothing stale for a read', () => {
    expect(refreshedBy('GET /api/v1/admin/users')).toEqual([])
  })
})
