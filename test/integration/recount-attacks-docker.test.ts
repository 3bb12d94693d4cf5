import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { DockerDriver } from '../../server/src/sandbox/docker-driver.js'
import { airlockApi, type RequestView } from '../support/airlock.js'
import { startRunningSession, type TestGateway, testGatewayWithDataset } from '../support/gateway.js'
import { testPolicyFile } from '../support/policy.js'
import { requireDocker } from '../support/sandbox.js'

interface Recount {
  unavailable?: string
  individualsPerRow?: number[]
  declaredRoles?: Record<string, string>
  contributionsUnavailable?: string
}

// A researcher who knows how the airlock works tries to make the recount vouch for what it did not
// count. Each attack ends in review or fail, with the reason, never in a pass.
describe('the recount under attack, on a real sandbox', () => {
  let docker: DockerDriver
  let gw: TestGateway
  let sessionId = ''
  const tokens: Record<string, string> = {}
  let api: ReturnType<typeof airlockApi>
  const policy = testPolicyFile((yaml) =>
    yaml.replace(/^ {2}submissionsPerMinute: \d+$/m, '  submissionsPerMinute: 1000')
  )

  const cell = async (source: string) => {
    const res = await api.call('researcher1', 'POST', `/api/v1/sessions/${sessionId}/cells`, { language: 'sql', source })
    expect(res.statusCode, res.body).toBe(200)
    expect(res.json(), res.body).toMatchObject({ status: 'ok' })
    return res.json() as { outputs: { type: string; rows: unknown[][] }[] }
  }
  /** Runs the cell, exports it to the outbox, submits it; the file as its reviewer sees it. */
  const exported = async (source: string, name: string) => {
    const res = await api.call('researcher1', 'POST', `/api/v1/sessions/${sessionId}/cells/export`, {
      language: 'sql',
      source,
      name
    })
    expect(res.statusCode, res.body).toBe(201)
    const sub = await api.call('researcher1', 'POST', '/api/v1/exports', {
      sessionId,
      files: [{ path: `outbox/${name}.csv`, justification: 'for the paper' }]
    })
    expect(sub.statusCode, sub.body.slice(0, 500)).toBe(201)
    const [file] = (await api.look('reviewer1', (sub.json() as RequestView).id)).files
    return {
      file: file!,
      recount: (file!.provenance as unknown as { recount: Recount }).recount,
      rule: (name: string) => file!.checks.find((c) => c.rule === name)!
    }
  }

  beforeAll(async () => {
    docker = await requireDocker()
    gw = await testGatewayWithDataset(docker, { VRE_POLICY_FILE: policy.file })
    api = airlockApi(gw, tokens)
    ;({ sessionId, token: tokens.researcher1 } = await startRunningSession(gw))
    tokens.reviewer1 = (await gw.login('reviewer1')).accessToken
  }, 180_000)

  afterAll(async () => {
    if (sessionId) await gw.app.sessions.stop(sessionId, 'test over', { actor: 'test', sourceIp: null })
    await gw?.close()
    policy.remove()
  })

  it("counts the people behind a filtered count, not its row's: one person's claims in a row of hundreds fail", async () => {
    const [top] = (
      await cell('SELECT person_id, count(*) AS n FROM claims GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 1')
    ).outputs[0]!.rows
    expect(Number(top![1])).toBeGreaterThanOrEqual(10)
    const source = `SELECT sex, count(*) AS claims, count(*) FILTER (WHERE person_id = '${top![0]}') AS n_one FROM claims JOIN patients USING (person_id) GROUP BY sex ORDER BY sex`
    const { file, recount, rule } = await exported(source, 'one-person')
    expect(recount.unavailable).toBeUndefined()
    // the row of that person's sex rests, in its n_one cell, on one person
    expect(recount.individualsPerRow).toContain(1)
    expect(rule('threshold')).toMatchObject({
      outcome: 'fail',
      message: expect.stringMatching(/draws on fewer than 10 individuals.* has 1\b/)
    })
    expect(file.outcome).toBe('fail')
  }, 120_000)

  it('declares an expression over a sum a sum, and a value picked from one person a maximum: review, not a statistic that passes', async () => {
    const source =
      'SELECT claim_type, count(DISTINCT person_id) AS people, sum(points) + 0 AS rate, arg_max(facility_id, points) AS top_facility FROM claims GROUP BY 1 ORDER BY 1'
    const { file, recount, rule } = await exported(source, 'disguised')
    expect(recount.declaredRoles).toEqual({ claim_type: 'key', people: 'count', rate: 'sum', top_facility: 'max' })
    expect(recount.contributionsUnavailable).toMatch(/rate, top_facility are not a plain sum, mean, minimum or maximum/)
    expect(rule('dominance')).toMatchObject({
      outcome: 'review',
      message: expect.stringMatching(/"rate".*contributions to its cells were not recorded.*"top_facility" holds maxima or minima/s)
    })
    expect(file.outcome).not.toBe('pass')
  }, 120_000)

  it('does not recount a select list that reads outside the group, nor a query whose columns hide in a macro', async () => {
    const sub = await exported(
      "SELECT sex, count(*) AS n, (SELECT count(*) FROM claims WHERE claim_type = 'dpc') AS rate FROM patients GROUP BY 1 ORDER BY 1",
      'subquery'
    )
    expect(sub.recount.unavailable).toMatch(/^a subquery in the select list reads rows outside each row's group/)
    expect(sub.file.outcome).not.toBe('pass')

    const withMacro =
      'CREATE OR REPLACE TEMP MACRO share(x) AS sum(x); SELECT sex, count(*) AS n, share(points) AS rate FROM claims JOIN patients USING (person_id) GROUP BY 1 ORDER BY 1'
    await cell(withMacro)
    const macro = await exported(withMacro, 'macro')
    expect(macro.recount.unavailable).toMatch(/^statement 1 of the cell makes a macro, share: .*write the expression in the query/)
    expect(macro.file.outcome).not.toBe('pass')
  }, 120_000)

  it('matches every printed cell: labels from a table an earlier cell shadowed are not the dataset query’s', async () => {
    // an earlier cell, never exported, replaces the patients the export's query reads in the notebook
    await cell(
      "CREATE OR REPLACE TEMP TABLE patients AS SELECT * REPLACE (CASE WHEN sex = 'F' THEN 'secret entered here' ELSE sex END AS sex) FROM dataset.main.patients"
    )
    try {
      const query = 'SELECT sex, count(*) AS n FROM patients GROUP BY 1 ORDER BY 1'
      // the counts are the dataset's; the label is not
      expect((await cell(query)).outputs[0]!.rows.map((r) => r[0])).toContain('secret entered here')
      const { file, recount } = await exported(query, 'shadowed')
      expect(recount.unavailable).toBe("the table's rows no longer match the query's result")
      expect(file.outcome).not.toBe('pass')
    } finally {
      await cell('DROP TABLE temp.main.patients')
    }
  }, 120_000)
})
