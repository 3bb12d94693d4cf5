import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import type { FastifyInstance } from 'fastify'
import { build, type BuildOptions } from '../../server/src/app.js'
import { hostCopiesRoot } from '../../server/src/datasets/host-copies.js'
import { totpCode } from '../../server/src/auth/totp.js'
import { type Config, loadConfig } from '../../server/src/config/config.js'
import { tokenEnv } from './hsm.js'
import { DEMO_PROJECT, type DemoCredentials, seedDemo } from '../../server/src/demo/seed.js'
import type { SandboxDriver } from '../../server/src/sandbox/driver.js'
import { FakeDriver } from './fake-driver.js'

/** A clock the test moves by hand, so expiry and TOTP windows are exact. */
export class TestClock {
  constructor(public t = Date.now()) {}
  now = (): Date => new Date(this.t)
  advance(ms: number): void {
    this.t += ms
  }

  /**
   * A clock that runs as real time does, and can still be moved on by hand: for tests with real
   * sandboxes, where things take real time (a display budget refills, a program runs).
   */
  static running(): TestClock {
    const clock = new TestClock()
    const since = Date.now()
    clock.now = () => new Date(clock.t + (Date.now() - since))
    return clock
  }
}

export interface TestGateway {
  app: FastifyInstance
  config: Config
  dataDir: string
  clock: TestClock
  credentials: DemoCredentials
  logs: string[]
  /** a valid authenticator code for `username` at the clock's time */
  code(username: string): string
  /** signs in through the API; moves the clock one TOTP step first so codes never collide */
  login(
    username: string,
    ip?: string
  ): Promise<{ accessToken: string; refreshCookie: string; body: Record<string, unknown> }>
  /** closes the app; the data directory is removed unless `keepData` (a restart test reopens it) */
  close(keepData?: boolean): Promise<void>
}

/** The real app (real SQLite file, real keys) on a fresh data directory, seeded with the demo accounts. */
export async function testGateway(
  overrides: Partial<Config> = {},
  env: NodeJS.ProcessEnv = {},
  options: Pick<BuildOptions, 'sessions'> & { dataDir?: string; clock?: TestClock } = {}
): Promise<TestGateway> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'vre-test-'))
  // the test process's token (test/support/hsm.ts), whatever else `env` says
  const config = loadConfig({ dataDir, webRoot: null, logLevel: 'info', ...overrides }, { ...tokenEnv(), ...env })
  const clock = options.clock ?? new TestClock()
  // Sign-in tests need no sandboxes: a fake driver keeps them fast. Sandbox tests pass their own.
  const fake = options.sessions?.driver === undefined ? new FakeDriver() : null
  const sessions = { reapIntervalMs: 3_600_000, ...options.sessions, ...(fake ? { driver: fake } : {}) }
  const logs: string[] = []
  const logStream = new Writable({
    write(chunk, _enc, cb) {
      logs.push(String(chunk))
      cb()
    }
  })
  const app = await build({ config, now: clock.now, logStream, sessions })
  await app.ready()
  const { credentials } = await seedDemo(app.store, app.keys, dataDir, { now: clock.now(), timeZone: config.timeZone })
  const code = (username: string) => totpCode(credentials[username]!.totpSecret, clock.now())
  return {
    app,
    config,
    dataDir,
    clock,
    credentials,
    logs,
    code,
    async login(username, ip = '127.0.0.1') {
      clock.advance(30_000)
      const res = await app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        remoteAddress: ip,
        payload: { username, password: credentials[username]!.password, totp: code(username) }
      })
      if (res.statusCode !== 200) throw new Error(`login of ${username} failed: ${res.statusCode} ${res.body}`)
      const cookie = res.cookies.find((c) => c.name === 'vre_refresh')
      if (!cookie) throw new Error('no refresh cookie')
      const body = res.json() as { accessToken: string }
      return { accessToken: body.accessToken, refreshCookie: cookie.value, body }
    },
    async close(keepData = false) {
      const copies = hostCopiesRoot(await app.store.gatewayId())
      await app.close()
      fake?.dispose()
      if (!keepData) {
        rmSync(dataDir, { recursive: true, force: true })
        // the gateway keeps the copies its sandboxes still mount; the test's are over with it
        rmSync(copies, { recursive: true, force: true })
      }
    }
  }
}

/** Signs `username` in and starts a session of the demo project through the API; waits until it runs. */
/** The real app on `driver` (the real engine, in the sandbox tests), seeded with the demo accounts and the demo dataset. */
export async function testGatewayWithDataset(
  driver: SandboxDriver,
  env: NodeJS.ProcessEnv = {},
  sessions: Omit<NonNullable<BuildOptions['sessions']>, 'driver'> = {}
): Promise<TestGateway> {
  // real sandboxes take real time: the gateway's clock runs (and can still be moved on)
  const gw = await testGateway({}, env, { sessions: { ...sessions, driver }, clock: TestClock.running() })
  await seedDemo(gw.app.store, gw.app.keys, gw.dataDir, {
    now: gw.clock.now(),
    timeZone: gw.config.timeZone,
    withDataset: true
  })
  return gw
}

export async function startRunningSession(
  gw: TestGateway,
  username = 'researcher1'
): Promise<{ sessionId: string; token: string }> {
  const token = (await gw.login(username)).accessToken
  const projectId = (await gw.app.store.getProjectByTitle(DEMO_PROJECT))!.id
  const res = await gw.app.inject({
    method: 'POST',
    url: '/api/v1/sessions',
    headers: { authorization: `Bearer ${token}` },
    payload: { projectId }
  })
  if (res.statusCode !== 201) throw new Error(`the session did not start: ${res.statusCode} ${res.body}`)
  const sessionId = res.json().id as string
  await gw.app.sessions.settle()
  const state = (await gw.app.sessions.get(sessionId))!.state
  if (state !== 'running') throw new Error(`the session is ${state}, not running`)
  return { sessionId, token }
}

/**
 * Another certified researcher of researcher1's organization, a member of the demo project: a
 * test that needs several researchers at once (each has a display budget of their own).
 */
export async function addResearcher(gw: TestGateway, username: string): Promise<void> {
  const { createAccount } = await import('../../server/src/identity/accounts.js')
  const { setProjectMember } = await import('../../server/src/identity/administration.js')
  const first = (await gw.app.store.getUserByUsername('researcher1'))!
  const org = (await gw.app.store.getOrganization(first.organizationId!))!
  const by = { actor: 'test', sourceIp: null }
  const made = await createAccount(
    gw.app.store,
    gw.app.keys,
    { username, displayName: username, organization: org.name, roles: ['researcher'] },
    by
  )
  const project = (await gw.app.store.getProjectByTitle(DEMO_PROJECT))!
  await setProjectMember(gw.app.store, project.id, made.user.id, true, { ...by, userId: null })
  gw.credentials[username] = { password: made.password, totpSecret: made.totpSecret }
}
