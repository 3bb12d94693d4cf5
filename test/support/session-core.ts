import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { FastifyBaseLogger } from 'fastify'
import type { AuditEvent, AuditRecord } from '../../server/src/audit/record.js'
import { datasetContext, datasetKeyScope } from '../../server/src/datasets/at-rest.js'
import { HostCopies, hostCopiesRoot } from '../../server/src/datasets/host-copies.js'
import { DEFAULT_ADMISSION } from '../../server/src/sessions/admission.js'
import { dayIn } from '../../server/src/identity/index.js'
import { writeEncryptedFile } from '../../server/src/keys/encrypted-file.js'
import { parsePolicyText } from '../../server/src/policy/load.js'
import type { Policy, SandboxPolicy } from '../../server/src/policy/schema.js'
import { createCore, type SessionCore } from '../../server/src/sessions/core.js'
import { addDays } from '../../server/src/sessions/retention.js'
import { sandboxSpec } from '../../server/src/sessions/sandbox-spec.js'
import { SqliteStore } from '../../server/src/store/sqlite/sqlite-store.js'
import type { ProjectRow, SandboxSessionRow, SandboxSessionState, UserRow } from '../../server/src/store/types.js'
import { FakeDriver } from './fake-driver.js'
import { closeKeys, dataDirKeys, testStoreOptions } from './keys.js'
import { DEFAULT_POLICY_YAML } from './policy.js'

const TIME_ZONE = 'Europe/Berlin'

/** The day `days` after `day` (YYYY-MM-DD). */
export const shiftDay = addDays

/** A logger that keeps what it was told, so a test can see an error was logged rather than thrown. */
function keptLog(): { log: FastifyBaseLogger; lines: { level: string; msg: string }[] } {
  const lines: { level: string; msg: string }[] = []
  const at =
    (level: string) =>
    (...args: unknown[]) => {
      lines.push({ level, msg: String(args.find((a) => typeof a === 'string') ?? '') })
    }
  const log = {
    level: 'trace',
    fatal: at('fatal'),
    error: at('error'),
    warn: at('warn'),
    info: at('info'),
    debug: at('debug'),
    trace: at('trace'),
    silent: () => undefined,
    child: () => log
  }
  return { log: log as unknown as FastifyBaseLogger, lines }
}

const sys = (action: AuditEvent['action'], target: string | null = null): AuditEvent => ({
  actor: 'test',
  action,
  sourceIp: null,
  target,
  outcome: 'success'
})

/**
 * The session service's shared state over real parts: a SQLite store in a temporary directory, the
 * fake sandbox driver, the shipped default policy (as `sandbox` overrides it), a clock the test
 * moves, and one certified researcher who is a member of one current project.
 */
export interface SessionBench {
  core: SessionCore
  store: SqliteStore
  driver: FakeDriver
  dataDir: string
  /** the gateway's clock */
  clock: { now: Date }
  /** the sandbox policy in force; a test may change it, as an administrator would */
  sandbox: SandboxPolicy
  researcher: UserRow
  project: ProjectRow
  logged: { level: string; msg: string }[]
  today(): string
  /** a session recorded in `state` (its sandbox started on the fake engine when it is running or stopping) */
  session(state: SandboxSessionState, at?: Partial<SandboxSessionRow>): Promise<SandboxSessionRow>
  /** waits for the launches and stops the core is tracking */
  settle(): Promise<void>
  /** the audit records written since the bench was set up, oldest first */
  audit(): Promise<AuditRecord[]>
  close(): void
}

export async function sessionBench(sandbox: Partial<SandboxPolicy> = {}): Promise<SessionBench> {
  const dataDir = mkdtempSync(join(tmpdir(), 'vre-sessions-'))
  const store = new SqliteStore(testStoreOptions(join(dataDir, 'vre.sqlite')))
  // the data directory's keys on the test token: snapshots are sealed as the gateway seals them
  const keys = dataDirKeys(dataDir)
  const driver = new FakeDriver()
  const clock = { now: new Date() }
  const parsed = parsePolicyText(DEFAULT_POLICY_YAML)
  if (!parsed.ok) throw new Error('the shipped default policy does not parse')
  const policy: Policy = { ...parsed.policy, sandbox: { ...parsed.policy.sandbox, ...sandbox } }
  const { log, lines } = keptLog()
  const today = () => dayIn(clock.now, TIME_ZONE)

  const org = await store.createOrganization('Certified Org', sys('organization.create'))
  await store.setCertification(
    {
      organizationId: org.id,
      number: 'T2-1',
      validFrom: shiftDay(today(), -10),
      validTo: shiftDay(today(), 300),
      status: 'active'
    },
    sys('certification.set')
  )
  const researcher = await store.createUser(
    {
      username: 'researcher1',
      displayName: 'Researcher One',
      organizationId: org.id,
      roles: ['researcher'],
      passwordHash: '',
      totpSecretSealed: ''
    },
    sys('user.create')
  )
  const dataset = await store.createDataset('claims', 'a test dataset', sys('dataset.create'))
  mkdirSync(join(dataDir, 'datasets'), { recursive: true })
  // sealed as registration seals a dataset version: under a key of its own, bound to the dataset
  const version = keys.keyring.create('dataset', datasetKeyScope(dataset.id, 1))
  await writeEncryptedFile(
    join(dataDir, 'datasets', 'claims.v1.duckdb.enc'),
    Buffer.from('not really duckdb'),
    version.id,
    version.key,
    datasetContext(dataset.id)
  )
  await store.setDatasetFile(dataset.id, 'datasets/claims.v1.duckdb.enc', sys('dataset.file', dataset.id))
  const project = await store.createProject(
    {
      title: 'A project',
      purpose: 'testing sessions',
      approvalReference: 'IRB-1',
      startDate: shiftDay(today(), -30),
      endDate: shiftDay(today(), 30),
      memberIds: [researcher.id],
      datasetIds: [dataset.id]
    },
    sys('project.create')
  )
  const since = (await store.recentAudit(1))[0]?.seq ?? 0

  const core = createCore({
    shells: { startSession: async () => undefined },
    store,
    driver,
    policy: () => policy,
    now: () => clock.now,
    dataDir,
    keyring: keys.keyring,
    admission: { settings: DEFAULT_ADMISSION },
    hostCopies: new HostCopies({ root: hostCopiesRoot(await store.gatewayId()), keyring: keys.keyring, lingerMs: 0 }),
    timeZone: TIME_ZONE,
    log
  })

  return {
    core,
    store,
    driver,
    dataDir,
    clock,
    sandbox: policy.sandbox,
    researcher,
    project,
    logged: lines,
    today,
    async session(state, at = {}) {
      const row: SandboxSessionRow = {
        id: crypto.randomUUID(),
        userId: researcher.id,
        projectId: project.id,
        state,
        reason: null,
        sandboxId: null,
        runtime: policy.sandbox.runtime,
        image: policy.sandbox.image,
        limits: { ...policy.sandbox },
        createdAt: clock.now.toISOString(),
        startedAt: state === 'starting' ? null : clock.now.toISOString(),
        endedAt: null,
        ...at
      }
      if ((state === 'running' || state === 'stopping') && at.sandboxId === undefined) {
        const started = await driver.start(sandboxSpec(row, await store.gatewayId(), policy.sandbox, {}))
        await started.seeded
        row.sandboxId = started.id
      }
      await store.createSandboxSession(row, { ...sys('session.start', row.id), actor: researcher.id })
      return row
    },
    async settle() {
      while (core.inFlight.size > 0) await Promise.allSettled([...core.inFlight])
    },
    async audit() {
      return (await store.recentAudit(10_000)).filter((r) => r.seq > since).reverse()
    },
    close() {
      rmSync(core.deps.hostCopies.root, { recursive: true, force: true })
      store.close()
      closeKeys(keys)
      driver.dispose()
      rmSync(dataDir, { recursive: true, force: true })
    }
  }
}
