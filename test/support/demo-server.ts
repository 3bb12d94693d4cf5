import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import type { FastifyInstance } from 'fastify'
import { build } from '../../server/src/app.js'
import { loadConfig, PROJECT_ROOT } from '../../server/src/config/config.js'
import { tokenEnv } from './hsm.js'
import { type DemoCredentials, seedDemo } from '../../server/src/demo/seed.js'

export interface DemoServer {
  url: string
  app: FastifyInstance
  dataDir: string
  credentials: DemoCredentials
  close(): Promise<void>
}

export interface DemoServerOptions {
  webRoot?: string | null
  /** the policy file the gateway imports at start (VRE_POLICY_FILE); policies/default.yaml otherwise */
  policyFile?: string
}

/** The real gateway on a fresh data directory with the demo seeded, listening on a random loopback port. */
export async function startDemoServer(options: DemoServerOptions = {}): Promise<DemoServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'vre-demo-'))
  const config = loadConfig(
    {
      dataDir,
      port: 0,
      host: '127.0.0.1',
      logLevel: 'warn',
      webRoot: options.webRoot === undefined ? resolve(PROJECT_ROOT, 'web', 'dist') : options.webRoot,
      ...(options.policyFile === undefined ? {} : { policyFile: options.policyFile })
    },
    // nothing from the environment but the test process's token
    tokenEnv()
  )
  const app = await build({ config, logger: false })
  await app.ready()
  const { credentials } = await seedDemo(app.store, app.keys, dataDir, {
    now: new Date(),
    timeZone: config.timeZone,
    withDataset: true
  })
  await app.listen({ host: config.host, port: 0 })
  const address = app.server.address()
  if (address === null || typeof address === 'string') throw new Error('server did not bind a TCP port')
  return {
    url: `http://127.0.0.1:${address.port}`,
    app,
    dataDir,
    credentials,
    /** ends the sessions still live (their sandboxes go with them), then stops the gateway */
    async close() {
      for (const s of await app.store.listSandboxSessions({ states: ['starting', 'running'] })) {
        await app.sessions.stop(s.id, 'test over', { actor: 'test', sourceIp: null })
      }
      await app.close()
      rmSync(dataDir, { recursive: true, force: true })
    }
  }
}
