import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import Database from 'better-sqlite3-multiple-ciphers'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PROJECT_ROOT } from '../../server/src/config/config.js'
import { STORE_FILE } from '../../server/src/plugins/app/store.js'
import { openStateDb } from '../support/keys.js'

const run = promisify(execFile)
const tsx = resolve(PROJECT_ROOT, 'node_modules', '.bin', 'tsx')
let dataDir: string

async function vre(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  try {
    const { stdout, stderr } = await run(tsx, ['server/src/cli/index.ts', ...args, '--data-dir', dataDir], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, VRE_JWT_SECRET: '' }
    })
    return { code: 0, out: stdout, err: stderr }
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string }
    return { code: x.code, out: x.stdout, err: x.stderr }
  }
}

function rows(table: string): number {
  const db = openStateDb(dataDir, { readonly: true })
  const n = (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n
  db.close()
  return n
}

beforeAll(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'vre-cli-'))
})
afterAll(() => rmSync(dataDir, { recursive: true, force: true }))

describe('vre CLI', () => {
  it('registers an organization, a researcher and a project, each audited', async () => {
    const org = await vre(
      'org',
      'add',
      '--name',
      'Osaka Cohort',
      '--cert-number',
      'T2-0100',
      '--valid-from',
      '2026-01-01',
      '--valid-to',
      '2028-12-31'
    )
    expect(org.code).toBe(0)
    expect(org.out).toMatch(/created organization Osaka Cohort with certification T2-0100/)
    const user = await vre(
      'user',
      'add',
      '--username',
      'yamada',
      '--display-name',
      'Yamada Aoi',
      '--roles',
      'researcher',
      '--org',
      'Osaka Cohort'
    )
    expect(user.code).toBe(0)
    // a link with which the person sets their own password and authenticator; no secret for the operator
    expect(user.out).toMatch(/enrolment link: http:\/\/127\.0\.0\.1:8080\/enrol#[A-Za-z0-9_-]{43}\n/)
    expect(user.out).toMatch(/valid until: +\S+ \(single use\)/)
    expect(user.out).not.toMatch(/password: |TOTP secret|otpauth:/)
    const project = await vre(
      'project',
      'add',
      '--title',
      'Cohort study',
      '--purpose',
      'p',
      '--approval-ref',
      'IRB-1',
      '--start',
      '2026-01-01',
      '--end',
      '2026-12-31',
      '--members',
      'yamada'
    )
    expect(project.code).toBe(0)
    const admin = await vre('admin', 'create', '--username', 'ops', '--base-url', 'https://vre.example.jp')
    expect(admin.code).toBe(0)
    expect(admin.out).toMatch(/enrolment link: https:\/\/vre\.example\.jp\/enrol#/)
    const db = openStateDb(dataDir, { readonly: true })
    const actions = db.prepare('SELECT action, actor FROM audit_log ORDER BY seq').all() as {
      action: string
      actor: string
    }[]
    db.close()
    expect(actions.map((a) => a.action)).toEqual([
      'organization.create',
      'certification.set',
      'user.create',
      'project.create',
      'user.create'
    ])
    expect(actions.every((a) => a.actor.startsWith('cli:'))).toBe(true)
    expect(statSync(join(dataDir, STORE_FILE)).isFile()).toBe(true)
    const verify = await vre('audit', 'verify')
    expect(verify.code).toBe(0)
    expect(verify.out).toMatch(/audit log intact: 5 records/)
  })

  const refusals: [string, string[], RegExp][] = [
    [
      'an impossible date',
      ['org', 'add', '--name', 'X', '--cert-number', 'T2-1', '--valid-from', '2026-02-30', '--valid-to', '2027-01-01'],
      /valid-from must be a date written YYYY-MM-DD/
    ],
    [
      'dates in the wrong order',
      ['org', 'add', '--name', 'X', '--cert-number', 'T2-1', '--valid-from', '2027-01-01', '--valid-to', '2026-01-01'],
      /valid-from must not be after valid-to/
    ],
    [
      'a researcher without an organization',
      ['user', 'add', '--username', 'solo', '--display-name', 'S', '--roles', 'researcher'],
      /must belong to an organization/
    ],
    [
      'an unknown organization',
      ['user', 'add', '--username', 'solo', '--display-name', 'S', '--roles', 'researcher', '--org', 'Nowhere'],
      /no organization named "Nowhere"/
    ],
    [
      'a taken username',
      ['user', 'add', '--username', 'yamada', '--display-name', 'S', '--roles', 'reviewer'],
      /username yamada is taken/
    ],
    [
      'an unknown member',
      [
        'project',
        'add',
        '--title',
        'T',
        '--purpose',
        'p',
        '--approval-ref',
        'r',
        '--start',
        '2026-01-01',
        '--end',
        '2026-02-01',
        '--members',
        'ghost'
      ],
      /no user ghost/
    ],
    [
      'an unknown role',
      ['user', 'add', '--username', 'x1', '--display-name', 'S', '--roles', 'superuser'],
      /roles are researcher, reviewer, admin/
    ]
  ]
  for (const [name, args, message] of refusals) {
    it(`refuses ${name} with a reason and writes nothing`, async () => {
      const before = {
        audit: rows('audit_log'),
        users: rows('users'),
        orgs: rows('organizations'),
        projects: rows('projects')
      }
      const res = await vre(...args)
      expect(res.code).not.toBe(0)
      expect(res.err).toMatch(message)
      expect({
        audit: rows('audit_log'),
        users: rows('users'),
        orgs: rows('organizations'),
        projects: rows('projects')
      }).toEqual(before)
    })
  }

  it('generates a synthetic dataset, registers it with its file, and refuses to overwrite it', async () => {
    const made = await vre('dataset', 'generate', '--name', 'synthetic-small', '--patients', '500', '--seed', '7')
    expect(made.code).toBe(0)
    expect(made.out).toMatch(/generated synthetic-small: 500 patients, \d+ rows/)
    const db = openStateDb(dataDir, { readonly: true })
    const row = db.prepare("SELECT file FROM datasets WHERE name = 'synthetic-small'").get() as { file: string }
    db.close()
    expect(row.file).toBe('datasets/synthetic-small.v1.duckdb.enc')
    expect(statSync(join(dataDir, row.file)).size).toBeGreaterThan(0)
    const again = await vre('dataset', 'generate', '--name', 'synthetic-small', '--patients', '500')
    expect(again.code).not.toBe(0)
    expect(again.err).toMatch(/already has a file/)
    const bad = await vre('dataset', 'generate', '--name', 'Bad Name', '--patients', '500')
    expect(bad.err).toMatch(/lowercase letters, digits and "-"/)
  })

  it('refuses to start with a weak configured signing key', async () => {
    const { code, err } = await (async () => {
      try {
        const r = await run(
          tsx,
          [
            'server/src/cli/index.ts',
            'org',
            'add',
            '--name',
            'Y',
            '--cert-number',
            'T2-9',
            '--valid-from',
            '2026-01-01',
            '--valid-to',
            '2027-01-01',
            '--data-dir',
            dataDir
          ],
          {
            cwd: PROJECT_ROOT,
            env: { ...process.env, VRE_JWT_SECRET: 'changeme' }
          }
        )
        return { code: 0, err: r.stderr }
      } catch (e) {
        const x = e as { code: number; stderr: string }
        return { code: x.code, err: x.stderr }
      }
    })()
    expect(code).toBe(2)
    expect(err).toMatch(/VRE_JWT_SECRET is too weak/)
  })
})
