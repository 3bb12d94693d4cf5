import { createHash } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { DockerDriver } from '../../server/src/sandbox/docker-driver.js'
import { runInSandbox } from '../../server/src/sandbox/driver.js'
import { WORK_DIR } from '../../server/src/sessions/workspace.js'
import { startRunningSession, type TestGateway, testGatewayWithDataset } from '../support/gateway.js'
import { requireDocker } from '../support/sandbox.js'

const OUTBOX = `${WORK_DIR}/outbox`

interface Cell {
  status: 'ok' | 'error'
  outputs: {
    type: string
    rows?: unknown[][]
    rowCount?: number
    truncated?: boolean
    mime?: string
    data?: string
    text?: string
    ename?: string
  }[]
}

describe('notebook cells on a real sandbox (runsc, the default policy)', () => {
  let docker: DockerDriver
  let gw: TestGateway
  let token = ''
  let sessionId = ''

  const cell = async (language: 'sql' | 'python', source: string) => {
    const res = await gw.app.inject({
      method: 'POST',
      url: `/api/v1/sessions/${sessionId}/cells`,
      headers: { authorization: `Bearer ${token}` },
      payload: { language, source }
    })
    expect(res.statusCode, res.body).toBe(200)
    return res.json() as Cell
  }

  beforeAll(async () => {
    docker = await requireDocker()
    gw = await testGatewayWithDataset(docker)
    ;({ sessionId, token } = await startRunningSession(gw))
  }, 120_000)

  afterAll(async () => {
    if (sessionId) await gw.app.sessions.stop(sessionId, 'test over', { actor: 'test', sourceIp: null })
    await gw?.close()
  })

  it('starts the kernel, Python included, with the session: before any cell asks for it', async () => {
    const sandboxId = (await gw.app.sessions.get(sessionId))!.sandboxId!
    const deadline = Date.now() + 60_000
    let ps = ''
    while (Date.now() < deadline) {
      ps = (await runInSandbox(docker, sandboxId, { cmd: ['ps', '-eo', 'args'], user: '0:0' })).stdout
      if (/vre-kernel/.test(ps) && /vre\.kernel_bridge/.test(ps)) break
      await new Promise((r) => setTimeout(r, 500))
    }
    expect(ps).toMatch(/vre-kernel/)
    expect(ps).toMatch(/vre\.kernel_bridge/)
    // and no cell has run: nothing in the data-operation log or the audit
    expect((await gw.app.store.recentAudit(200)).filter((r) => r.action.startsWith('cell.'))).toEqual([])
  }, 90_000)

  it('runs SQL on the dataset, and a temporary table lives on to the next cell', async () => {
    const count = await cell('sql', 'select count(*) as n from patients')
    expect(count.status).toBe('ok')
    expect(count.outputs[0]).toMatchObject({ type: 'table', rows: [[2000]], rowCount: 1, truncated: false })
    expect((await cell('sql', "create temp table women as select * from patients where sex = 'F'")).status).toBe('ok')
    const women = await cell('sql', 'select count(*) > 0 and count(*) < 2000 as plausible from women')
    expect(women.outputs[0]).toMatchObject({ type: 'table', rows: [[true]] })
  }, 60_000)

  it('shows at most the policy row cap, counting the rest', async () => {
    const many = await cell('sql', 'select * from range(5000)')
    expect(many.outputs[0]).toMatchObject({ type: 'table', rowCount: 5000, truncated: true })
    expect(many.outputs[0]!.rows).toHaveLength(1000)
  }, 60_000)

  it('runs Python on the kernel: variables persist and a figure comes back as an image', async () => {
    expect(
      (
        await cell(
          'python',
          'import vre\ndf = vre.sql("select sex, count(*) as n from patients group by all order by sex")'
        )
      ).status
    ).toBe('ok')
    const shown = await cell('python', 'len(df)')
    expect(shown.outputs).toContainEqual({ type: 'text', text: '2' })
    const fig = await cell('python', 'import matplotlib.pyplot as plt\nplt.bar(df["sex"], df["n"])\nplt.show()')
    expect(fig.status).toBe('ok')
    const image = fig.outputs.find((o) => o.type === 'image')!
    expect(image.mime).toBe('image/png')
    expect(Buffer.from(image.data!, 'base64').subarray(1, 4).toString()).toBe('PNG')
  }, 120_000)

  it('reports errors as outputs and audits every source it ran, the whole text in the data-operation log', async () => {
    const bad = await cell('sql', 'select * from no_such_table')
    expect(bad.status).toBe('error')
    expect(bad.outputs[0]).toMatchObject({ type: 'error', ename: 'CatalogError' })
    const audited = (await gw.app.store.recentAudit(100))
      .filter((r) => r.action === 'cell.run' && r.target === sessionId)
      .map((r) => r.details as { sourceExcerpt: string; sourceSha256: string })
    const excerpts = audited.map((d) => d.sourceExcerpt)
    expect(excerpts).toContain('select count(*) as n from patients')
    expect(excerpts).toContain('select * from no_such_table')
    expect(excerpts.some((s) => s.includes('plt.bar'))).toBe(true)
    // each record's digest names a line of the log that holds the source in full
    const logged = new Map(
      (await gw.app.dataOperations.read(sessionId))
        .toString('utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { sha256: string; source: string })
        .map((l) => [l.sha256, l.source])
    )
    for (const d of audited) expect(logged.get(d.sourceSha256), d.sourceExcerpt).toBe(d.sourceExcerpt)
  })

  const exportCell = (language: 'sql' | 'python', source: string, name: string) =>
    gw.app.inject({
      method: 'POST',
      url: `/api/v1/sessions/${sessionId}/cells/export`,
      headers: { authorization: `Bearer ${token}` },
      payload: { language, source, name }
    })
  const inSandbox = async (cmd: string[]) => {
    const s = (await gw.app.sessions.get(sessionId))!
    return runInSandbox(docker, s.sandboxId!, { cmd })
  }

  it('sends a SQL result to the outbox as CSV with every row, its query beside it', async () => {
    const source = 'create temp table ages as select * from range(2500) t(n);\nselect n, n % 7 as r from ages'
    expect((await cell('sql', source)).outputs[0]).toMatchObject({ rowCount: 2500, truncated: true })
    const res = await exportCell('sql', source, 'ages-by-seven')
    expect(res.statusCode, res.body).toBe(201)
    expect(res.json()).toMatchObject({
      rows: 2500,
      csv: { path: 'outbox/ages-by-seven.csv', type: 'file' },
      query: { path: 'outbox/ages-by-seven.sql', type: 'file' }
    })
    const csv = (await inSandbox(['cat', `${OUTBOX}/ages-by-seven.csv`])).stdout.split('\r\n')
    expect(csv[0]).toBe('n,r')
    expect(csv[2500]).toBe('2499,0')
    expect(csv).toHaveLength(2502) // header, 2500 rows, the empty string after the last line end
    expect((await inSandbox(['cat', `${OUTBOX}/ages-by-seven.sql`])).stdout).toBe(`${source}\n`)
    const audit = (await gw.app.store.recentAudit(50)).find((r) => r.action === 'cell.export')
    const digest = (await inSandbox(['sha256sum', `${OUTBOX}/ages-by-seven.csv`])).stdout.slice(0, 64)
    expect(audit?.details).toMatchObject({
      sourceExcerpt: source,
      sourceSha256: createHash('sha256').update(source).digest('hex'),
      name: 'ages-by-seven',
      rows: 2500,
      csvSha256: digest
    })
    expect(audit?.details).not.toHaveProperty('source')
  }, 60_000)

  it('refuses an export that would clobber a file or run a change again, and leaves nothing behind', async () => {
    const clash = await exportCell('sql', 'select 1', 'ages-by-seven')
    expect(clash.statusCode).toBe(409)
    expect(clash.json().error.message).toMatch(/exists already/)
    const change = await exportCell('sql', 'create temp table again as select 1', 'change')
    expect(change.statusCode).toBe(400)
    expect(change.json().error.message).toMatch(/not a query/)
    const left = await inSandbox(['ls', OUTBOX])
    expect(left.stdout.split('\n').filter(Boolean).sort()).toEqual(['ages-by-seven.csv', 'ages-by-seven.sql'])
    const badName = await exportCell('sql', 'select 1', '../escape')
    expect(badName.statusCode).toBe(400)
  }, 60_000)

  it('sends a Python table to the outbox: the last expression, all its rows', async () => {
    const source = 'import pandas as pd\nbig = pd.DataFrame({"k": range(3000)})\nbig.assign(twice=big.k * 2)'
    expect((await cell('python', source)).outputs[0]).toMatchObject({ type: 'table', rowCount: 3000, truncated: true })
    const res = await exportCell('python', source, 'twice')
    expect(res.statusCode, res.body).toBe(201)
    expect(res.json()).toMatchObject({ rows: 3000, query: { path: 'outbox/twice.py' } })
    const csv = (await inSandbox(['cat', `${OUTBOX}/twice.csv`])).stdout.trim().split('\n')
    expect(csv[0]).toBe('k,twice')
    expect(csv.at(-1)).toBe('2999,5998')
    expect((await cell('python', 'x = 1\nx')).status).toBe('ok')
    const notTable = await exportCell('python', 'x = 1\nx', 'scalar')
    expect(notTable.statusCode).toBe(400)
    expect(notTable.json().error.message).toMatch(/of type int, not a table/)
    const notRun = await exportCell('python', 'never_defined', 'not-run')
    expect(notRun.json().error.message).toMatch(/run the cell first/)
  }, 60_000)

  it('restarts the kernel: temporary tables are gone', async () => {
    const res = await gw.app.inject({
      method: 'POST',
      url: `/api/v1/sessions/${sessionId}/kernel/restart`,
      headers: { authorization: `Bearer ${token}` }
    })
    expect(res.statusCode).toBe(200)
    const gone = await cell('sql', 'select count(*) from women')
    expect(gone.status).toBe('error')
  }, 60_000)
})
