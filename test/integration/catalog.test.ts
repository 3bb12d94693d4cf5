import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEMO_DATASET, DEMO_PROJECT, seedDemo } from '../../server/src/demo/seed.js'
import { type TestGateway, testGateway } from '../support/gateway.js'

let gw: TestGateway
let projectId: string
let token: string
const sys = { actor: 'test', sourceIp: null, target: null, outcome: 'success' as const }

beforeAll(async () => {
  gw = await testGateway()
  // the demo dataset, generated into the data directory (2,000 patients)
  await seedDemo(gw.app.store, gw.app.keys, gw.dataDir, {
    now: gw.clock.now(),
    timeZone: gw.config.timeZone,
    withDataset: true
  })
  projectId = (await gw.app.store.getProjectByTitle(DEMO_PROJECT))!.id
  token = (await gw.login('researcher1')).accessToken
}, 120_000)
afterAll(async () => gw.close())

const catalog = (id: string, q?: string, bearer = token) =>
  gw.app.inject({
    method: 'GET',
    url: `/api/v1/projects/${id}/catalog${q === undefined ? '' : `?q=${encodeURIComponent(q)}`}`,
    headers: { authorization: `Bearer ${bearer}` }
  })

describe('the data catalog', () => {
  it("lists each granted dataset's tables with columns, types, descriptions and row counts", async () => {
    const res = await catalog(projectId)
    expect(res.statusCode).toBe(200)
    const body = res.json() as {
      query: null
      datasets: {
        name: string
        available: boolean
        tables: {
          name: string
          description: string
          rowCount: number
          columns: { name: string; type: string; description: string; mark: string | null }[]
        }[]
      }[]
    }
    expect(body.query).toBeNull()
    const ds = body.datasets.find((d) => d.name === DEMO_DATASET)!
    expect(ds.available).toBe(true)
    const patients = ds.tables.find((t) => t.name === 'patients')!
    expect(patients.rowCount).toBe(2000)
    expect(patients.description).not.toBe('')
    expect(patients.columns.map((c) => c.name)).toContain('sex')
    // the marks the airlock's row-level check reads: the person key, and the quasi-identifiers
    expect(patients.columns.filter((c) => c.mark !== null).map((c) => [c.name, c.mark])).toEqual([
      ['person_id', 'identifier'],
      ['sex', 'quasi-identifier'],
      ['birth_ym', 'quasi-identifier'],
      ['prefecture_code', 'quasi-identifier'],
      ['insurer_type', 'quasi-identifier']
    ])
    // and the table holding them is not one of the dataset's
    expect(ds.tables.map((t) => t.name)).not.toContain('vre_column_marks')
    for (const t of ds.tables) {
      expect(t.rowCount).toBeGreaterThan(0)
      for (const c of t.columns) {
        expect(c.type, `${t.name}.${c.name}`).toMatch(/^[A-Z]/)
        expect(c.description, `${t.name}.${c.name} has a description`).not.toBe('')
      }
    }
  })

  it('searches table and column names and descriptions', async () => {
    const all = (await catalog(projectId)).json().datasets[0].tables as { name: string; columns: unknown[] }[]
    const found = (await catalog(projectId, 'HbA1c')).json() as {
      query: string
      datasets: { tables: { name: string; columns: { name: string; description: string }[] }[] }[]
    }
    expect(found.query).toBe('HbA1c')
    const tables = found.datasets[0]!.tables
    expect(tables.length).toBeGreaterThan(0)
    expect(tables.length).toBeLessThan(all.length)
    expect(JSON.stringify(tables).toLowerCase()).toContain('hba1c')
    expect((await catalog(projectId, 'no-such-thing-anywhere')).json().datasets[0].tables).toEqual([])
  })

  it('is not found for a project one is not a member of, and refuses other roles and bad input', async () => {
    const other = await gw.app.store.createProject(
      {
        title: 'Someone else’s study',
        purpose: 'x',
        approvalReference: 'R-1',
        startDate: '2020-01-01',
        endDate: '2099-12-31',
        memberIds: [(await gw.app.store.getUserByUsername('researcher2'))!.id],
        // a dataset is one project's (its pseudonyms are made with that project's key)
        datasetIds: [(await gw.app.store.createDataset('their-claims', 'x', { ...sys, action: 'dataset.create' })).id]
      },
      { ...sys, action: 'project.create' }
    )
    expect((await catalog(other.id)).statusCode).toBe(404)
    expect((await catalog('00000000-0000-4000-8000-000000000000')).statusCode).toBe(404)
    expect((await catalog('not-a-uuid')).statusCode).toBe(400)
    expect((await catalog(projectId, 'x'.repeat(101))).statusCode).toBe(400)
    const admin = (await gw.login('admin')).accessToken
    expect((await catalog(projectId, undefined, admin)).statusCode).toBe(403)
    expect((await gw.app.inject({ method: 'GET', url: `/api/v1/projects/${projectId}/catalog` })).statusCode).toBe(401)
  })
})
