import { statSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEMO_DATASET, DEMO_PROJECT } from '../../server/src/demo/seed.js'
import type { DockerDriver } from '../../server/src/sandbox/docker-driver.js'
import { addResearcher, startRunningSession, type TestGateway, testGatewayWithDataset } from '../support/gateway.js'
import { testPolicyFile } from '../support/policy.js'
import { requireDocker } from '../support/sandbox.js'
import { openTerminal, type TerminalClient } from '../support/terminal.js'

/** The shipped default policy's display budget. */
const PER_MINUTE = 512 * 1024
const BURST = 1024 * 1024
/** What the budget lets through in `ms`: the burst and the refill. */
const allowed = (ms: number) => BURST + (PER_MINUTE * ms) / 60_000
/** The prompt, the echoed command and the like around a dump. */
const SLACK = 8 * 1024
const PROMPT = /researcher@vre:[^\r\n]*\$ /
const DUMP_MS = 60_000

interface Output {
  type: string
  text?: string
  rows?: unknown[][]
  data?: string
  heldBackBytes?: number
}

/**
 * The screen is a way out too. A researcher (a script holding their sign-in) dumps the project's
 * dataset through each interface the web app uses; in a minute no more than the display budget
 * arrives, the dataset cannot be put back together from it, and the monitor raises alerts. Meanwhile
 * ordinary work never meets the budget. Real engine, runsc, the shipped default policy except that
 * a dataset recognised on the screen only alerts here (the default ends the session, tested last),
 * so that the pacing itself is measured over the whole minute.
 */
describe('the display budget on a real sandbox (runsc)', () => {
  let docker: DockerDriver
  let gw: TestGateway
  let url = ''
  let datasetBytes = 0
  const tokens: Record<string, string> = {}
  const policy = testPolicyFile((yaml) => yaml.replace(/(datasetMatches:\n\s+limit: \d+\n\s+action:) end/, '$1 alert'))

  const as = (token: string) => ({ authorization: `Bearer ${token}` })
  const alertsOf = async (sessionId: string) =>
    (await gw.app.store.searchAudit({ action: 'alert.raised', limit: 500 }))
      .filter((r) => r.target === sessionId)
      .map((r) => (r.details as { rule: string }).rule)

  async function terminal(sessionId: string, token: string): Promise<TerminalClient> {
    const ticket = (
      await gw.app.inject({ method: 'POST', url: `/api/v1/sessions/${sessionId}/terminal-ticket`, headers: as(token) })
    ).json().ticket as string
    const t = await openTerminal(url, sessionId, ticket, url)
    if (!('ws' in t)) throw new Error(`terminal refused: ${t.status} ${t.body}`)
    return t
  }

  async function cell(sessionId: string, token: string, language: 'sql' | 'python', source: string) {
    const res = await gw.app.inject({
      method: 'POST',
      url: `/api/v1/sessions/${sessionId}/cells`,
      headers: as(token),
      payload: { language, source }
    })
    expect(res.statusCode, res.body).toBe(200)
    return res.json() as { status: string; outputs: Output[] }
  }

  beforeAll(async () => {
    docker = await requireDocker()
    gw = await testGatewayWithDataset(docker, { VRE_POLICY_FILE: policy.file })
    await gw.app.listen({ host: '127.0.0.1', port: 0 })
    url = `http://127.0.0.1:${(gw.app.server.address() as { port: number }).port}`
    const dataset = (await gw.app.store.getDatasetByName(DEMO_DATASET))!
    datasetBytes = statSync(join(gw.dataDir, dataset.file!)).size
    // one after the other: each sign-in moves the test clock on a TOTP step
    for (const name of ['dump-terminal', 'dump-cells', 'dump-files', 'ordinary', 'side-doors']) {
      await addResearcher(gw, name)
      tokens[name] = (await gw.login(name)).accessToken
    }
  }, 120_000)

  /** The researcher's session of the demo project, running. */
  async function running(name: string): Promise<{ sessionId: string; token: string }> {
    const token = tokens[name]!
    const projectId = (await gw.app.store.getProjectByTitle(DEMO_PROJECT))!.id
    const res = await gw.app.inject({
      method: 'POST',
      url: '/api/v1/sessions',
      headers: as(token),
      payload: { projectId }
    })
    expect(res.statusCode, res.body).toBe(201)
    const sessionId = res.json().id as string
    for (let i = 0; i < 600; i++) {
      const state = (await gw.app.sessions.get(sessionId))!.state
      if (state === 'running') return { sessionId, token }
      if (state !== 'starting') throw new Error(`the session is ${state}`)
      await new Promise((r) => setTimeout(r, 100))
    }
    throw new Error('the session did not start within a minute')
  }

  afterAll(async () => {
    for (const s of await gw.app.store.listSandboxSessions({ states: ['starting', 'running'] })) {
      await gw.app.sessions.stop(s.id, 'test over', { actor: 'test', sourceIp: null })
    }
    await gw?.close()
    policy.remove()
  })

  // Each dump is a researcher of their own, with a budget of their own: they run side by side.
  describe.concurrent('a dump of the dataset', () => {
    it('through the terminal is paced to the budget, Ctrl-C still brings the prompt back, and alerts are raised', async () => {
      const { sessionId, token } = await running('dump-terminal')
      const t = await terminal(sessionId, token)
      await t.waitFor(PROMPT)
      // a fast browser: everything drawn is acknowledged at once
      const acking = setInterval(() => t.ack(t.bytes()), 50)
      const before = t.bytes()
      const started = Date.now()
      // the end marker is computed by the shell: only the end of the dump would print it
      t.type(`base64 -w0 /data/${DEMO_DATASET}.duckdb; echo; echo "dump-$((6 * 7))"\r`)
      await new Promise((r) => setTimeout(r, DUMP_MS))
      const received = t.bytes() - before
      const elapsed = Date.now() - started
      expect(received).toBeLessThanOrEqual(allowed(elapsed) + SLACK)
      // paced, not blocked: the budget's worth did arrive
      expect(received).toBeGreaterThan(BURST)
      // the whole file, base64-encoded, is far more than arrived: it cannot be put back together
      expect(received).toBeLessThan((datasetBytes * 4) / 3 / 2)
      expect(t.output()).not.toMatch(/dump-42/)
      expect(t.control).toContainEqual({ type: 'display', state: 'paced', bytesPerMinute: PER_MINUTE })

      // the program was waiting, not the keyboard: Ctrl-C ends it and the prompt comes back
      const interrupted = Date.now()
      t.type('\x03')
      t.type('echo "after-$((6 * 7))"\r')
      await t.waitFor(/after-42/, 10_000)
      expect(Date.now() - interrupted).toBeLessThan(5_000)
      expect(t.control).toContainEqual(expect.objectContaining({ type: 'display', state: 'skipped' }))
      clearInterval(acking)
      t.ws.close()

      const rules = await alertsOf(sessionId)
      expect(rules).toContain('encodedOutputKiBPerMinute')
      expect(rules).toContain('datasetMatches')
    }, 180_000)

    it('through repeated Python cells is cut to the budget, with a note of what was held back', async () => {
      const { sessionId, token } = await running('dump-cells')
      let received = 0
      let cuts = 0
      let i = 0
      const started = Date.now()
      while (Date.now() - started < DUMP_MS) {
        // 600 KB of base64 a cell, a slice of the file at a time, round and round
        const out = await cell(
          sessionId,
          token,
          'python',
          `import base64, sys\nd = open('/data/${DEMO_DATASET}.duckdb', 'rb').read()\nn = 450000\nk = ${i++} % (len(d) // n + 1)\nsys.stdout.write(base64.b64encode(d[k * n:(k + 1) * n]).decode())`
        )
        for (const o of out.outputs) {
          if (o.type === 'stream') received += Buffer.byteLength(o.text!, 'utf8')
          if (o.type === 'display-cut') {
            cuts++
            expect(o.heldBackBytes).toBeGreaterThan(0)
          }
        }
      }
      const elapsed = Date.now() - started
      expect(received).toBeLessThanOrEqual(allowed(elapsed) + SLACK)
      expect(received).toBeGreaterThan(BURST / 2)
      expect(received).toBeLessThan((datasetBytes * 4) / 3 / 2)
      expect(cuts).toBeGreaterThan(0)
      const rules = await alertsOf(sessionId)
      expect(rules).toContain('encodedOutputKiBPerMinute')
      expect(rules).toContain('datasetMatches')
    }, 180_000)

    it('through the Files view is cut to the budget: code files shown in part, read-only; a notebook not at all', async () => {
      const { sessionId, token } = await running('dump-files')
      // the researcher's cell writes the dataset, base64-encoded, into files the Files view opens
      const wrote = await cell(
        sessionId,
        token,
        'python',
        [
          'import base64, json, os',
          "work = os.path.join(os.environ['HOME'], 'work')",
          `b = base64.b64encode(open('/data/${DEMO_DATASET}.duckdb', 'rb').read()).decode()`,
          'n = 900000',
          'parts = [b[i:i + n] for i in range(0, len(b), n)]',
          `for k, p in enumerate(parts): open(os.path.join(work, f'dump{k}.py'), 'w').write(f'x = \"{p}\"\\n')`,
          "nb = {'nbformat': 4, 'nbformat_minor': 5, 'metadata': {}, 'cells': [{'cell_type': 'code', 'id': 'a', 'metadata': {}, 'execution_count': 1, 'source': ['x'], 'outputs': [{'output_type': 'stream', 'name': 'stdout', 'text': [b]}]}]}",
          "json.dump(nb, open(os.path.join(work, 'analysis.ipynb'), 'w'))",
          'print(len(parts))'
        ].join('\n')
      )
      const parts = Number(wrote.outputs.find((o) => o.type === 'stream')!.text!.trim())
      expect(parts).toBeGreaterThan(3)
      let received = 0
      let cutFiles = 0
      let notebookCut = false
      let k = 0
      const started = Date.now()
      while (Date.now() - started < DUMP_MS) {
        const path = k % 4 === 3 ? 'analysis.ipynb' : `dump${k % parts}.py`
        k++
        const res = await gw.app.inject({
          method: 'GET',
          url: `/api/v1/sessions/${sessionId}/files/content?path=${encodeURIComponent(path)}`,
          headers: as(token)
        })
        expect(res.statusCode, res.body).toBe(200)
        const f = res.json() as { content: string; size: number; cut: { heldBackBytes: number } | null }
        received += Buffer.byteLength(f.content, 'utf8')
        if (f.cut !== null) {
          cutFiles++
          expect(f.cut.heldBackBytes).toBe(f.size - Buffer.byteLength(f.content, 'utf8'))
          if (path.endsWith('.ipynb')) {
            notebookCut = true
            expect(f.content).toBe('')
          }
        }
        await new Promise((r) => setTimeout(r, 100))
      }
      const elapsed = Date.now() - started
      expect(received).toBeLessThanOrEqual(allowed(elapsed) + SLACK)
      expect(received).toBeLessThan((datasetBytes * 4) / 3 / 2)
      expect(cutFiles).toBeGreaterThan(0)
      expect(notebookCut).toBe(true)
      const rules = await alertsOf(sessionId)
      expect(rules).toContain('encodedOutputKiBPerMinute')
      expect(rules).toContain('datasetMatches')
    }, 180_000)

    it("carries nothing past the budget in an output's extra fields or a query's error message", async () => {
      const { sessionId, token } = await running('side-doors')
      // a table output with a field of the cell's own: the whole claims table in it
      const res = await gw.app.inject({
        method: 'POST',
        url: `/api/v1/sessions/${sessionId}/cells`,
        headers: as(token),
        payload: {
          language: 'python',
          source: [
            'import vre',
            'from IPython.display import publish_display_data',
            "publish_display_data({'application/vnd.vre.table+json': {'columns': [], 'rows': [], 'rowCount': 'R' * 3000000, 'truncated': False, 'note': vre.sql('select * from claims').to_csv(index=False)}})"
          ].join('\n')
        }
      })
      expect(res.statusCode, res.body.slice(0, 300)).toBe(200)
      expect(res.body.length).toBeLessThan(4 * 1024)
      expect(res.body).not.toContain('note')
      // a query's error made to hold a table, sent to the outbox: the message quotes little of it
      const exported = await gw.app.inject({
        method: 'POST',
        url: `/api/v1/sessions/${sessionId}/cells/export`,
        headers: as(token),
        payload: {
          language: 'sql',
          source: 'select error((select string_agg(t::varchar, chr(10)) from claims t))',
          name: 'side-door'
        }
      })
      expect(exported.statusCode).toBe(400)
      expect(exported.body.length).toBeLessThan(1024)
      const session = (await gw.app.sessions.get(sessionId))!
      expect(
        gw.app.display.status({ sessionId, projectId: session.projectId, userId: session.userId }).shown
      ).toBeLessThan(16 * 1024)
    }, 180_000)

    it('leaves ordinary work well within the budget: commands, tables, a figure, a traceback, a notebook', async () => {
      const { sessionId, token } = await running('ordinary')
      const t = await terminal(sessionId, token)
      await t.waitFor(PROMPT)
      const acking = setInterval(() => t.ack(t.bytes()), 50)
      const commands = [
        'ls -la /opt/vre /data',
        'cat /etc/os-release',
        "dpkg -l 'python3-*' | head -60",
        'python3 -c "import pandas, numpy; print(pandas.__version__, numpy.__version__)"',
        'python3 -c \'import json; json.loads("{")\'',
        `vre-sql <<< 'select sex, count(*) from patients group by sex'`
      ]
      for (const [i, command] of commands.entries()) {
        // the marker is computed by the shell, so only the command's end prints it
        t.type(`${command}; echo "done-$((1000 + ${i}))"\r`)
        await t.waitFor(new RegExp(`done-${1000 + i}`), 30_000)
      }
      clearInterval(acking)
      t.ws.close()

      const outputs: Output[] = []
      for (const [language, source] of [
        ['sql', 'select sex, count(*) as n from patients group by sex order by sex'],
        ['sql', 'select * from patients limit 10'],
        [
          'python',
          'import pandas as pd\ndf = pd.DataFrame({"a": range(20), "b": [x * x for x in range(20)]})\ndf.head()'
        ],
        [
          'python',
          'import matplotlib.pyplot as plt\nplt.plot([1, 2, 3, 4], [1, 4, 9, 16])\nplt.title("squares")\nplt.show()'
        ],
        ['python', 'def f(x):\n    return 1 / x\nf(0)']
      ] as const) {
        outputs.push(...(await cell(sessionId, token, language, source)).outputs)
      }
      expect(outputs.some((o) => o.type === 'image')).toBe(true)
      expect(outputs.some((o) => o.type === 'error')).toBe(true)

      // a notebook with those outputs saved and opened again
      const notebook = JSON.stringify({
        nbformat: 4,
        nbformat_minor: 5,
        metadata: {},
        cells: outputs.map((o, i) => ({
          cell_type: 'code',
          id: `c${i}`,
          metadata: {},
          execution_count: i + 1,
          source: ['x'],
          outputs:
            o.type === 'image'
              ? [{ output_type: 'display_data', data: { 'image/png': o.data }, metadata: {} }]
              : [{ output_type: 'stream', name: 'stdout', text: [JSON.stringify(o).slice(0, 2000)] }]
        }))
      })
      const saved = await gw.app.inject({
        method: 'PUT',
        url: `/api/v1/sessions/${sessionId}/files/content`,
        headers: as(token),
        payload: { path: 'ordinary.ipynb', content: notebook, baseModifiedAt: null }
      })
      expect(saved.statusCode, saved.body).toBe(200)
      const opened = await gw.app.inject({
        method: 'GET',
        url: `/api/v1/sessions/${sessionId}/files/content?path=ordinary.ipynb`,
        headers: as(token)
      })
      expect(opened.json()).toMatchObject({ content: notebook, cut: null })
      const listed = await gw.app.inject({
        method: 'GET',
        url: `/api/v1/sessions/${sessionId}/files`,
        headers: as(token)
      })
      expect(listed.json()).toMatchObject({ displayCut: false })

      expect(outputs.filter((o) => o.type === 'display-cut')).toEqual([])
      expect(t.control.filter((m) => m.type === 'display')).toEqual([])
      const session = (await gw.app.sessions.get(sessionId))!
      const status = gw.app.display.status({ sessionId, projectId: session.projectId, userId: session.userId })
      expect(status.pacedSince).toBeNull()
      expect(status.shown).toBeLessThan(BURST / 2)
      expect(await alertsOf(sessionId)).toEqual([])
    }, 180_000)
  })
})

describe('the shipped default policy (runsc)', () => {
  it('ends a session whose screen shows pieces of the dataset, and says why', async () => {
    const docker = await requireDocker()
    const gw = await testGatewayWithDataset(docker)
    try {
      await gw.app.listen({ host: '127.0.0.1', port: 0 })
      const url = `http://127.0.0.1:${(gw.app.server.address() as { port: number }).port}`
      const { sessionId, token } = await startRunningSession(gw)
      const ticket = (
        await gw.app.inject({
          method: 'POST',
          url: `/api/v1/sessions/${sessionId}/terminal-ticket`,
          headers: { authorization: `Bearer ${token}` }
        })
      ).json().ticket as string
      const t = await openTerminal(url, sessionId, ticket, url)
      if (!('ws' in t)) throw new Error(`terminal refused: ${t.status}`)
      await t.waitFor(PROMPT)
      t.type(`base64 /data/${DEMO_DATASET}.duckdb\r`)
      await t.closed
      const ended = (await gw.app.sessions.get(sessionId))!
      expect(['stopping', 'stopped']).toContain(ended.state)
      expect(ended.reason).toMatch(
        /^ended by monitoring: \d+ pieces of the project's dataset files reached the screen$/
      )
      const [alert] = await gw.app.store.searchAudit({ action: 'alert.raised', limit: 10 })
      expect(alert!.details).toMatchObject({ rule: 'datasetMatches', action: 'end' })
    } finally {
      await gw.close()
    }
  }, 120_000)
})
