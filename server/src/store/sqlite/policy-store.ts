import type { AuditEvent } from '../../audit/record.js'
import type { NewPolicyVersion, PolicyStore, PolicyVersionRow, ProjectPolicyRow } from '../policies.js'
import type { SqliteCore } from './core.js'
import { type Row, str, strOrNull } from './row.js'

function toPolicyVersion(r: Row): PolicyVersionRow {
  return {
    name: str(r.name),
    version: Number(r.version),
    yaml: str(r.yaml),
    author: str(r.author),
    createdAt: str(r.created_at),
    comment: strOrNull(r.comment),
    diff: str(r.diff),
    source: strOrNull(r.source),
    sourceSha256: strOrNull(r.source_sha256)
  }
}

/** Thrown inside a transaction to undo it: the policy moved on since the version an edit began from. */
class StalePolicyVersion extends Error {
  constructor(readonly current: number) {
    super(`the policy is at version ${current}`)
  }
}

/** Policy versions and project policies on SQLite; every write goes through `audited`. */
export class SqlitePolicyStore implements PolicyStore {
  constructor(private readonly core: SqliteCore) {}

  private q(sql: string) {
    return this.core.q(sql)
  }

  async listPolicies(): Promise<PolicyVersionRow[]> {
    return (
      this.q(
        `SELECT p.* FROM policy_versions p
           JOIN (SELECT name, max(version) AS version FROM policy_versions GROUP BY name) newest
             ON newest.name = p.name AND newest.version = p.version
         ORDER BY p.name`
      ).all() as Row[]
    ).map(toPolicyVersion)
  }

  async getPolicyVersion(name: string, version?: number): Promise<PolicyVersionRow | null> {
    const r = (
      version === undefined
        ? this.q('SELECT * FROM policy_versions WHERE name = ? ORDER BY version DESC LIMIT 1').get(name)
        : this.q('SELECT * FROM policy_versions WHERE name = ? AND version = ?').get(name, version)
    ) as Row | undefined
    return r ? toPolicyVersion(r) : null
  }

  async listPolicyVersions(name: string): Promise<PolicyVersionRow[]> {
    return (this.q('SELECT * FROM policy_versions WHERE name = ? ORDER BY version DESC').all(name) as Row[]).map(
      toPolicyVersion
    )
  }

  async addPolicyVersion(
    row: NewPolicyVersion,
    baseVersion: number,
    audit: AuditEvent
  ): Promise<{ saved: PolicyVersionRow } | { conflict: number }> {
    try {
      const saved = this.core.audited(audit, () => {
        const result = this.insertPolicyVersionInTx(row, baseVersion)
        if ('conflict' in result) throw new StalePolicyVersion(result.conflict)
        return result
      })
      return { saved }
    } catch (err) {
      if (err instanceof StalePolicyVersion) return { conflict: err.current }
      throw err
    }
  }

  /** Inside the caller's transaction (an approval carries it out in its own). */
  insertPolicyVersionInTx(row: NewPolicyVersion, baseVersion: number): PolicyVersionRow | { conflict: number } {
    // read inside the IMMEDIATE transaction: two saves from the same base can't both pass
    const current = Number(
      (this.q('SELECT coalesce(max(version), 0) AS v FROM policy_versions WHERE name = ?').get(row.name) as Row).v
    )
    if (current !== baseVersion) return { conflict: current }
    const full: PolicyVersionRow = { ...row, version: current + 1, createdAt: this.core.now().toISOString() }
    this.q(
      `INSERT INTO policy_versions (name, version, yaml, author, created_at, comment, diff, source, source_sha256)
         VALUES (@name, @version, @yaml, @author, @createdAt, @comment, @diff, @source, @sourceSha256)`
    ).run(full)
    return full
  }

  async listProjectPolicies(): Promise<ProjectPolicyRow[]> {
    return (this.q('SELECT * FROM project_policies ORDER BY project_id').all() as Row[]).map((r) => ({
      projectId: str(r.project_id),
      policyName: str(r.policy_name),
      assignedAt: str(r.assigned_at)
    }))
  }

  async setProjectPolicy(projectId: string, policyName: string | null, audit: AuditEvent): Promise<void> {
    this.core.audited(audit, () => this.setProjectPolicyInTx(projectId, policyName))
  }

  /** Inside the caller's transaction. */
  setProjectPolicyInTx(projectId: string, policyName: string | null): void {
    if (policyName === null) {
      this.q('DELETE FROM project_policies WHERE project_id = ?').run(projectId)
      return
    }
    if (this.q('SELECT 1 FROM policy_versions WHERE name = ? LIMIT 1').get(policyName) === undefined) {
      throw new Error(`there is no policy ${policyName}`)
    }
    this.q(
      `INSERT INTO project_policies (project_id, policy_name, assigned_at) VALUES (?, ?, ?)
         ON CONFLICT (project_id) DO UPDATE SET policy_name = excluded.policy_name, assigned_at = excluded.assigned_at`
    ).run(projectId, policyName, this.core.now().toISOString())
  }
}
