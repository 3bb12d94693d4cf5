import Database from 'better-sqlite3-multiple-ciphers'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { STORE_FILE } from '../../server/src/plugins/app/store.js'
import { type TestGateway, testGateway } from '../support/gateway.js'
import { openStateDb } from '../support/keys.js'

let gw: TestGateway
beforeAll(async () => {
  gw = await testGateway()
})
afterAll(async () => {
  await gw.close()
})

function counts() {
  const db = openStateDb(gw.dataDir, { readonly: true })
  const n = (t: string) => (db.prepare(`SELECT count(*) AS n FROM ${t}`).get() as { n: number }).n
  const result = { audit: n('audit_log'), sessions: n('auth_sessions'), failures: n('login_failures') }
  db.close()
  return result
}

const post = (payload: string, contentType = 'application/json') =>
  gw.app.inject({ method: 'POST', url: '/api/v1/auth/login', headers: { 'content-type': contentType }, payload })

describe('bad input', () => {
  const cases: [string, () => ReturnType<typeof post>, number, string][] = [
    ['malformed JSON', () => post('{"username": "researcher1", '), 400, 'VRE_ERR_MALFORMED_JSON'],
    ['an empty body', () => post(''), 400, 'VRE_ERR_MALFORMED_JSON'],
    [
      'an unknown field',
      () => post(JSON.stringify({ username: 'researcher1', password: 'x', totp: '123456', admin: true })),
      400,
      'VRE_ERR_VALIDATION'
    ],
    [
      'a wrong type',
      () => post(JSON.stringify({ username: 'researcher1', password: 'x', totp: 123456 })),
      400,
      'VRE_ERR_VALIDATION'
    ],
    [
      'a missing field',
      () => post(JSON.stringify({ username: 'researcher1', password: 'x' })),
      400,
      'VRE_ERR_VALIDATION'
    ],
    [
      'a code that is not six digits',
      () => post(JSON.stringify({ username: 'r', password: 'x', totp: '12ab56' })),
      400,
      'VRE_ERR_VALIDATION'
    ],
    [
      'an oversize body',
      () => post(JSON.stringify({ username: 'researcher1', password: 'x'.repeat(70 * 1024), totp: '123456' })),
      413,
      'VRE_ERR_BODY_TOO_LARGE'
    ],
    [
      'a non-JSON content type',
      () => post('username=researcher1', 'application/x-www-form-urlencoded'),
      415,
      'VRE_ERR_UNSUPPORTED_MEDIA_TYPE'
    ]
  ]
  for (const [name, send, status, code] of cases) {
    it(`answers ${name} with ${status} ${code}, a reason, and writes nothing`, async () => {
      const before = counts()
      const res = await send()
      expect(res.statusCode).toBe(status)
      const body = res.json()
      expect(Object.keys(body)).toEqual(['error'])
      expect(body.error.code).toBe(code)
      expect(body.error.message.length).toBeGreaterThan(10)
      expect(counts()).toEqual(before)
    })
  }

  it('names the offending field in a validation error', async () => {
    const res = await post(JSON.stringify({ username: 'researcher1', password: 'x', totp: '123456', role: 'admin' }))
    expect(res.json().error.message).toMatch(/additional properties/)
    const res2 = await post(JSON.stringify({ username: 'researcher1', password: 'x', totp: 123456 }))
    expect(res2.json().error.message).toMatch(/totp/)
  })

  it('answers an unknown API path with the error shape', async () => {
    const res = await gw.app.inject({ method: 'GET', url: '/api/v1/nothing-here' })
    expect(res.statusCode).toBe(404)
    expect(res.json().error.code).toBe('VRE_ERR_NOT_FOUND')
  })
})

describe('security headers', () => {
  for (const [name, method, url] of [
    ['the refresh route', 'POST', '/api/v1/auth/refresh'],
    ['an error', 'GET', '/api/v1/me'],
    ['an unknown path', 'GET', '/nowhere']
  ] as const) {
    it(`sends CSP with frame-ancestors 'none' and no-store on ${name}`, async () => {
      const res = await gw.app.inject({ method, url })
      const csp = String(res.headers['content-security-policy'])
      expect(csp).toContain("frame-ancestors 'none'")
      expect(csp).toContain("default-src 'self'")
      expect(csp).toContain("script-src 'self'")
      expect(csp).not.toContain('unsafe-inline')
      expect(res.headers['x-frame-options']).toBe('DENY')
      expect(res.headers['x-content-type-options']).toBe('nosniff')
      expect(res.headers['referrer-policy']).toBe('no-referrer')
      if (url.startsWith('/api/')) expect(res.headers['cache-control']).toBe('no-store')
    })
  }
})

describe('a malformed body on every route family', () => {
  const some = '00000000-0000-4000-8000-000000000000'
  const tokens: Record<string, string> = {}
  beforeAll(async () => {
    for (const who of ['admin', 'researcher1', 'reviewer1']) tokens[who] = (await gw.login(who)).accessToken
  })

  // [family, who, method, url, payload]: each body fails its route's schema
  const cases: [string, string | null, 'POST' | 'PUT' | 'PATCH', string, unknown][] = [
    ['sign-in', null, 'POST', '/api/v1/auth/login', { username: 7 }],
    ['enrolment', null, 'POST', '/api/v1/enrolment/open', { token: 7 }],
    ['sessions', 'researcher1', 'POST', '/api/v1/sessions', { projectId: 7 }],
    ['notebook cells', 'researcher1', 'POST', `/api/v1/sessions/${some}/cells`, { language: 'cobol', source: 1 }],
    ['workspace files', 'researcher1', 'POST', `/api/v1/sessions/${some}/files/folder`, { path: 7 }],
    ['exports', 'researcher1', 'POST', '/api/v1/exports', { sessionId: 'x', files: 7 }],
    ['imports', 'researcher1', 'POST', `/api/v1/imports?projectId=${some}`, 'print(1)'],
    ['reviews', 'reviewer1', 'POST', `/api/v1/reviews/${some}/review`, { round: 'x', sha256s: [] }],
    ['organizations', 'admin', 'POST', '/api/v1/admin/organizations', { name: 7 }],
    ['accounts', 'admin', 'PATCH', `/api/v1/admin/users/${some}`, { displayName: 7 }],
    ['projects', 'admin', 'POST', '/api/v1/admin/projects', { title: 7 }],
    ['policies', 'admin', 'PUT', '/api/v1/admin/policies/default', { version: 'x', policy: 7 }],
    ['policies, as JSON that does not parse', 'admin', 'PUT', '/api/v1/admin/policies/default', '{"policy": '],
    ['policy assignments', 'admin', 'PUT', `/api/v1/admin/policy-assignments/${some}`, { policy: 7 }],
    ['live sessions', 'admin', 'POST', `/api/v1/admin/monitoring/sessions/${some}/end`, { reason: 7 }],
    ['pending changes', 'admin', 'POST', `/api/v1/admin/approvals/${some}/refuse`, { reason: 7 }]
  ]
  for (const [family, who, method, url, payload] of cases) {
    it(`answers the ${family} routes with 400 and the one error shape`, async () => {
      const res = await gw.app.inject({
        method,
        url,
        headers: {
          ...(who === null ? {} : { authorization: `Bearer ${tokens[who]}` }),
          'content-type': url.startsWith('/api/v1/imports') ? 'application/octet-stream' : 'application/json'
        },
        payload: typeof payload === 'string' ? payload : JSON.stringify(payload)
      })
      expect(res.statusCode, res.body).toBe(400)
      const body = res.json()
      expect(Object.keys(body)).toEqual(['error'])
      expect(Object.keys(body.error).sort()).toEqual(['code', 'message'])
      expect(body.error.code).toMatch(/^VRE_ERR_(VALIDATION|MALFORMED_JSON)$/)
      expect(body.error.message.length).toBeGreaterThan(10)
    })
  }
})
