import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { memorySigner, STORE_KEY, testStoreOptions } from '../../../test/support/keys.js'
import { describe, expect, it } from 'vitest'
import { SqliteStore } from '../store/sqlite/sqlite-store.js'
import { AUDIT_ACTIONS, type AuditAction, airlockMove, isAuditAction } from './actions.js'
import { chainRecord, UnknownAuditAction } from './record.js'

const SERVER_SRC = join(dirname(fileURLToPath(import.meta.url)), '..')

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? sourceFiles(join(dir, e.name))
      : e.name.endsWith('.ts') && !e.name.endsWith('.test.ts')
        ? [join(dir, e.name)]
        : []
  )
}

describe('the audit vocabulary', () => {
  it('holds every action once, each with what it means', () => {
    const actions = AUDIT_ACTIONS.map((a) => a.action)
    expect(actions.length).toBeGreaterThan(100)
    expect(new Set(actions).size).toBe(actions.length)
    for (const a of AUDIT_ACTIONS) {
      expect(a.action).toMatch(/^[a-z][a-z-]*(\.[a-z_]+)+$/)
      expect(a.meaning.trim().length, a.action).toBeGreaterThan(10)
    }
  })

  it('spells out the airlock moves in both directions', () => {
    expect(isAuditAction('export.withdraw')).toBe(true)
    expect(isAuditAction('import.file_release')).toBe(true)
    expect(airlockMove('import', 'withdraw')).toBe('import.withdraw')
    expect(isAuditAction('export.nothing')).toBe(false)
    expect(isAuditAction(undefined)).toBe(false)
  })

  it('refuses to chain a record whose action is not in it', () => {
    const event = { actor: 'a', sourceIp: null, target: null, outcome: 'success' as const }
    expect(() => chainRecord({ ...event, action: 'user.frobnicate' as AuditAction }, null, new Date(0))).toThrow(
      UnknownAuditAction
    )
    expect(chainRecord({ ...event, action: 'user.suspend' }, null, new Date(0)).action).toBe('user.suspend')
  })

  it('fails closed in the store: an unknown action writes neither the record nor the change', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vre-actions-'))
    const store = new SqliteStore({
      path: join(dir, 'vre.sqlite'),
      auditSigner: memorySigner,
      key: STORE_KEY
    })
    try {
      const before = (await store.recentAudit(1))[0]?.seq ?? 0
      const unknown = 'organization.invent' as AuditAction
      await expect(
        store.createOrganization('Ghost', {
          actor: 't',
          action: unknown,
          sourceIp: null,
          target: null,
          outcome: 'success'
        })
      ).rejects.toThrow(/not an audit action/)
      expect((await store.listOrganizations()).map((o) => o.name)).not.toContain('Ghost')
      expect((await store.recentAudit(1))[0]?.seq ?? 0).toBe(before)
    } finally {
      store.close()
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('holds every action the gateway writes as a literal (cheap insurance against casts)', () => {
    const unknown: string[] = []
    let literals = 0
    for (const file of sourceFiles(SERVER_SRC)) {
      const text = readFileSync(file, 'utf8')
      // dotted only: `action: 'deny'` (a header option) and `'alert' | 'end'` (a rule's) are not audit actions
      for (const m of text.matchAll(/\baction: '([a-z][a-z-]*\.[a-z_.-]+)'/g)) {
        literals++
        if (!isAuditAction(m[1])) unknown.push(`${relative(SERVER_SRC, file)}: ${m[1]}`)
      }
      // a template's fixed part must begin some action of the vocabulary (`kernel.${op}`)
      for (const m of text.matchAll(/\baction: `([a-z][a-z-]*\.)\$\{/g)) {
        if (!AUDIT_ACTIONS.some((a) => a.action.startsWith(m[1]!)))
          unknown.push(`${relative(SERVER_SRC, file)}: ${m[0]}`)
      }
    }
    expect(literals).toBeGreaterThan(50)
    expect(unknown).toEqual([])
  })
})
