import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { generateSyntheticDataset } from '../datasets/index.js'
import { ensureDatasetRow, registerDataset } from '../datasets/registration.js'
import { dayIn } from '../identity/calendar.js'
import { createAccount, createOrganization, createProject } from '../identity/accounts.js'
import { openBytes, sealBytes } from '../keys/encrypted-file.js'
import type { Keyring } from '../keys/keyring.js'
import type { Keys } from '../keys/keys.js'
import type { Role } from '../schemas/identity.js'
import type { Store } from '../store/types.js'

/**
 * The demo accounts' passwords and TOTP secrets, kept so that a demo run again can print them: sealed
 * under the platform state key (a copy of the data directory does not sign anyone in).
 */
export const CREDENTIALS_FILE = 'demo-credentials.enc'
export const CREDENTIALS_CONTEXT = 'demo-credentials'
export type DemoCredentials = Record<string, { password: string; totpSecret: string }>

/** The demo's credentials, decrypted ({} when none were kept); a file that does not decrypt is an error. */
export function readDemoCredentials(dataDir: string, keyring: Pick<Keyring, 'key'>): DemoCredentials {
  const path = join(dataDir, CREDENTIALS_FILE)
  if (!existsSync(path)) return {}
  const plain = openBytes(readFileSync(path), (id) => keyring.key(id), CREDENTIALS_CONTEXT)
  return JSON.parse(plain.toString('utf8')) as DemoCredentials
}

/** Seals the demo's credentials into the data directory (whole or not at all). */
export function writeDemoCredentials(
  dataDir: string,
  keyring: Pick<Keyring, 'ensure'>,
  credentials: DemoCredentials
): void {
  const path = join(dataDir, CREDENTIALS_FILE)
  const { id, key } = keyring.ensure('state', '')
  const tmp = `${path}.partial`
  writeFileSync(tmp, sealBytes(Buffer.from(JSON.stringify(credentials), 'utf8'), id, key, CREDENTIALS_CONTEXT), {
    mode: 0o600
  })
  renameSync(tmp, path)
}

const CERTIFIED_ORG = 'Kanto University Hospital Research Unit'
const EXPIRED_ORG = 'Minato Health Analytics'
export const DEMO_PROJECT = 'Diabetes care pathways (demo)'
export const DEMO_DATASET = 'demo-claims'
const DEMO_DESCRIPTION = 'Synthetic pseudonymized claims and EHR extract (demo size)'
/** The reviewers assigned to the demo project. */
export const DEMO_REVIEWERS = ['reviewer1', 'reviewer2']
/** Size and seed of the demo's synthetic dataset: small enough to make in a few seconds. */
export const DEMO_PATIENTS = 2000
export const DEMO_SEED = 2026

const ACCOUNTS: { username: string; displayName: string; organization: string | null; roles: Role[] }[] = [
  { username: 'admin', displayName: 'Platform Administrator', organization: null, roles: ['admin'] },
  // a second administrator, so changes that need two (a new reviewer, a lower reviewer count) can be tried
  { username: 'admin2', displayName: 'Second Administrator', organization: null, roles: ['admin'] },
  { username: 'researcher1', displayName: 'Sato Haruka', organization: CERTIFIED_ORG, roles: ['researcher'] },
  { username: 'researcher2', displayName: 'Suzuki Kenji', organization: EXPIRED_ORG, roles: ['researcher'] },
  { username: 'reviewer1', displayName: 'Takahashi Yui', organization: null, roles: ['reviewer'] },
  { username: 'reviewer2', displayName: 'Tanaka Ren', organization: null, roles: ['reviewer'] }
]

const shift = (day: string, days: number) => {
  const d = new Date(`${day}T00:00:00Z`)
  d.setUTCDate(d.getUTCDate() + days)
  return d.toISOString().slice(0, 10)
}

/**
 * Seeds the demo: a certified organization, one whose certification has expired, six accounts (two
 * administrators, enrolled directly: their secrets are the demo's to print) and
 * a current project (with a small synthetic dataset when `withDataset`). Whatever already exists is kept, so running it again reuses the data directory;
 * credentials of accounts created now are added to the sealed demo-credentials.enc.
 */
export async function seedDemo(
  store: Store,
  keys: Keys,
  dataDir: string,
  opts: { now: Date; timeZone: string; withDataset?: boolean }
): Promise<{ credentials: DemoCredentials; created: string[] }> {
  const today = dayIn(opts.now, opts.timeZone)
  const audit = { actor: 'system:demo', sourceIp: null }
  const credentials = readDemoCredentials(dataDir, keys.keyring)
  const created: string[] = []

  if ((await store.getOrganizationByName(CERTIFIED_ORG)) === null) {
    await createOrganization(
      store,
      {
        name: CERTIFIED_ORG,
        certificationNumber: 'T2-0042',
        validFrom: shift(today, -365),
        validTo: shift(today, 730)
      },
      audit
    )
  }
  if ((await store.getOrganizationByName(EXPIRED_ORG)) === null) {
    await createOrganization(
      store,
      { name: EXPIRED_ORG, certificationNumber: 'T2-0017', validFrom: shift(today, -1095), validTo: shift(today, -30) },
      audit
    )
  }
  for (const a of ACCOUNTS) {
    if ((await store.getUserByUsername(a.username)) !== null) continue
    const account = await createAccount(store, keys, a, audit)
    credentials[a.username] = { password: account.password, totpSecret: account.totpSecret }
    created.push(a.username)
  }
  // the project names the dataset, so its row exists even when the demo makes no file for it
  const dataset = await ensureDatasetRow(store, DEMO_DATASET, DEMO_DESCRIPTION, audit)
  if (opts.withDataset && (dataset.file === null || !existsSync(join(dataDir, dataset.file)))) {
    await registerDataset(
      store,
      dataDir,
      keys.keyring,
      {
        name: DEMO_DATASET,
        remakeLostFile: true,
        write: async (path) => {
          const made = await generateSyntheticDataset({
            path,
            patients: DEMO_PATIENTS,
            seed: DEMO_SEED,
            name: DEMO_DATASET,
            overwrite: true
          })
          return { details: { generator: 'synthetic', patients: DEMO_PATIENTS, seed: DEMO_SEED, tables: made.tables } }
        }
      },
      audit
    )
  }
  if ((await store.getProjectByTitle(DEMO_PROJECT)) === null) {
    await createProject(
      store,
      {
        title: DEMO_PROJECT,
        purpose: 'Describe treatment pathways and HbA1c control of people with type 2 diabetes.',
        approvalReference: 'IRB-2026-0117',
        startDate: shift(today, -30),
        endDate: shift(today, 365),
        members: ['researcher1', 'researcher2'],
        datasets: [DEMO_DATASET]
      },
      audit
    )
  }
  // the demo's reviewers review the demo project: independent of it, and assigned as an administrator would
  const project = (await store.getProjectByTitle(DEMO_PROJECT))!
  for (const username of DEMO_REVIEWERS) {
    const reviewer = await store.getUserByUsername(username)
    if (reviewer === null || (await store.airlock.isAssignedReviewer(project.id, reviewer.id))) continue
    await store.airlock.setProjectReviewer(project.id, reviewer.id, true, audit.actor, {
      ...audit,
      action: 'project.reviewer_assign',
      target: project.id,
      outcome: 'success',
      details: { project: project.title, user: reviewer.id, username }
    })
  }
  writeDemoCredentials(dataDir, keys.keyring, credentials)
  return { credentials, created }
}
