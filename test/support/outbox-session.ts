import { afterAll, beforeAll, expect } from 'vitest'
import type { DockerDriver } from '../../server/src/sandbox/docker-driver.js'
import { runInSandbox } from '../../server/src/sandbox/driver.js'
import { airlockApi, type FileView, type RequestView } from './airlock.js'
import { startRunningSession, type TestGateway, testGatewayWithDataset } from './gateway.js'
import { testPolicyFile } from './policy.js'
import { requireDocker } from './sandbox.js'

/** A notebook cell's printed result, as far as the tests read it. */
export interface CellResult {
  status: string
  outputs: { type: string; rows: unknown[][] }[]
}

/**
 * A researcher's running session on the real engine, with reviewers signed in, for tests that put
 * files in the outbox (by shell or by a notebook cell's export) and submit them through the
 * gateway. Registers its own beforeAll and afterAll; submissions are not rate-limited.
 *
 *   const s = outboxSession(['reviewer1'])
 *   const file = await s.checked('outbox/x.csv') // as reviewer1 sees it
 */
export function outboxSession(reviewers: string[] = ['reviewer1']) {
  let docker: DockerDriver
  let gw: TestGateway
  let sessionId = ''
  const tokens: Record<string, string> = {}
  let api: ReturnType<typeof airlockApi>
  const policy = testPolicyFile((yaml) =>
    yaml.replace(/^ {2}submissionsPerMinute: \d+$/m, '  submissionsPerMinute: 1000')
  )

  beforeAll(async () => {
    docker = await requireDocker()
    gw = await testGatewayWithDataset(docker, { VRE_POLICY_FILE: policy.file })
    api = airlockApi(gw, tokens)
    ;({ sessionId, token: tokens.researcher1 } = await startRunningSession(gw))
    for (const who of reviewers) tokens[who] = (await gw.login(who)).accessToken
  }, 180_000)

  afterAll(async () => {
    if (sessionId) await gw.app.sessions.stop(sessionId, 'test over', { actor: 'test', sourceIp: null })
    await gw?.close()
    policy.remove()
  })

  const s = {
    get gw() {
      return gw
    },
    get api() {
      return api
    },
    get sessionId() {
      return sessionId
    },
    /** Runs a command in the sandbox (as the researcher unless `user` says otherwise). */
    async run(cmd: string[], user?: string) {
      const sandboxId = (await gw.app.sessions.get(sessionId))!.sandboxId!
      return runInSandbox(docker, sandboxId, { cmd, ...(user ? { user } : {}) })
    },
    /** Runs a command that must succeed; its output. */
    async inSandbox(cmd: string[]) {
      const r = await s.run(cmd)
      expect(r.exitCode, r.stderr).toBe(0)
      return r.stdout
    },
    /** Runs a notebook cell, which must succeed. */
    async cell(language: 'sql' | 'python', source: string): Promise<CellResult> {
      const res = await api.call('researcher1', 'POST', `/api/v1/sessions/${sessionId}/cells`, { language, source })
      expect(res.statusCode, res.body).toBe(200)
      expect(res.json(), res.body).toMatchObject({ status: 'ok' })
      return res.json() as CellResult
    },
    /** Sends a cell's result to the outbox as NAME.csv. */
    async exportCell(language: 'sql' | 'python', source: string, name: string) {
      const res = await api.call('researcher1', 'POST', `/api/v1/sessions/${sessionId}/cells/export`, {
        language,
        source,
        name
      })
      expect(res.statusCode, res.body).toBe(201)
      return res.json() as { rows: number; residualDf?: number }
    },
    /** Submits outbox files for export, each with a justification; the request as its requester sees it. */
    async submit(paths: string[]): Promise<RequestView> {
      const res = await api.call('researcher1', 'POST', '/api/v1/exports', {
        sessionId,
        files: paths.map((path) => ({ path, justification: 'for the paper' }))
      })
      expect(res.statusCode, res.body.slice(0, 500)).toBe(201)
      return res.json() as RequestView
    },
    /** Submits one outbox file; the file as the first reviewer sees it, with every check's message. */
    async checked(path: string): Promise<FileView> {
      const r = await s.submit([path])
      return (await api.look(reviewers[0]!, r.id)).files[0]!
    }
  }
  return s
}
