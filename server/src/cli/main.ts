import { createPublicKey, type KeyObject } from 'node:crypto'
import { mkdirSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { userInfo } from 'node:os'
import { Command, InvalidArgumentError, Option } from 'commander'
import type { AuditCheckpoint } from '../audit/checkpoint.js'
import { verifyExport } from '../audit/export.js'
import { verifyChain } from '../audit/verify.js'
import { type Config, loadConfig } from '../config/config.js'
import {
  generateRawDataset,
  generateSyntheticDataset,
  IngestError,
  ingestDataset,
  loadIngestSpec
} from '../datasets/index.js'
import { seedDemo, CREDENTIALS_FILE } from '../demo/seed.js'
import { ConfigError } from '../errors.js'
import { createAccountToEnrol, createOrganization, createProject, InvalidInput } from '../identity/accounts.js'
import { loadAuditPublicKey, loadKeys } from '../keys/keys.js'
import { loadPseudonymMasterKey, projectPseudonymKey } from '../keys/pseudonym.js'
import { STORE_FILE } from '../plugins/app/store.js'
import { ROLES, type Role } from '../schemas/identity.js'
import { start } from '../server.js'
import { SqliteStore } from '../store/sqlite/sqlite-store.js'

const actor = () => `cli:${userInfo().username}`
const list = (v: string) =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
const port = (v: string) => {
  if (!/^\d+$/.test(v) || Number(v) > 65535) throw new InvalidArgumentError('a port is a number from 0 to 65535')
  return Number(v)
}

interface DataDirOpts {
  dataDir?: string
}
interface ServeOpts extends DataDirOpts {
  port?: number
  host?: string
}

const dataDirOption = () =>
  new Option('--data-dir <dir>', 'state store, keys and audit (env VRE_DATA_DIR, default var/)')
const baseUrlOption = () =>
  new Option(
    '--base-url <url>',
    'where people reach the gateway, for the enrolment link (env VRE_BASE_URL, default http://HOST:PORT)'
  )

function config(opts: ServeOpts): Config {
  return loadConfig({ dataDir: opts.dataDir, port: opts.port, host: opts.host })
}

/** Opens the store for an administrative command, runs it, closes it. */
async function withStore<T>(
  opts: DataDirOpts,
  fn: (store: SqliteStore, keys: ReturnType<typeof loadKeys>) => Promise<T>
): Promise<T> {
  const cfg = config(opts)
  const keys = loadKeys(cfg.dataDir, cfg.jwtSecret)
  const store = new SqliteStore({ path: join(cfg.dataDir, STORE_FILE), auditSigningKey: keys.auditPrivateKey })
  try {
    return await fn(store, keys)
  } finally {
    store.close()
  }
}

/**
 * Creates an account without credentials and prints the single-use link with which the person
 * sets their own password and authenticator: the operator never learns either. Whoever runs this
 * on the host holds the data directory, so no second administrator is asked (bootstrapping).
 */
async function addUser(
  opts: DataDirOpts & { username: string; displayName: string; org?: string; roles: Role[]; baseUrl?: string }
) {
  const cfg = config(opts)
  const baseUrl = opts.baseUrl ?? cfg.baseUrl ?? `http://${cfg.host}:${cfg.port}`
  await withStore(opts, async (store) => {
    const created = await createAccountToEnrol(
      store,
      { username: opts.username, displayName: opts.displayName, organization: opts.org ?? null, roles: opts.roles },
      { at: new Date(), baseUrl },
      { actor: actor(), sourceIp: null },
      { via: 'host command line' }
    )
    console.log(`created ${created.user.username} (${created.user.roles.join(', ')})`)
    console.log(`enrolment link: ${created.enrolment.url}`)
    console.log(`valid until:    ${created.enrolment.expiresAt} (single use)`)
    console.log(
      'Hand the link to the person over a separate channel: with it they set their own password and add their authenticator. Nobody else learns either.'
    )
  })
}

const roles = (v: string): Role[] => {
  const rs = list(v)
  for (const r of rs) {
    if (!(ROLES as readonly string[]).includes(r)) throw new InvalidArgumentError(`roles are ${ROLES.join(', ')}`)
  }
  return rs as Role[]
}

const DATASET_NAME = /^[a-z0-9][a-z0-9-]{0,62}$/

interface GenerateOpts extends DataDirOpts {
  name?: string
  description: string
  patients: number
  seed: string
  raw?: boolean
  out?: string
  format: 'csv' | 'parquet'
}

async function generateRaw(opts: GenerateOpts): Promise<void> {
  if (opts.out === undefined) throw new InvalidInput('--raw needs --out <dir>')
  let made: Awaited<ReturnType<typeof generateRawDataset>>
  try {
    made = await generateRawDataset({
      dir: opts.out,
      patients: opts.patients,
      seed: opts.seed,
      format: opts.format,
      onProgress: (p) => process.stderr.write(`\r${p.patients} / ${p.total} patients, ${p.seconds.toFixed(0)} s`)
    })
  } catch (err) {
    if (err instanceof Error && /already exists/.test(err.message)) throw new InvalidInput(err.message)
    throw err
  }
  process.stderr.write('\n')
  const rows = made.files.reduce((n, f) => n + f.rows, 0)
  console.log(
    `wrote the raw form of ${opts.patients} patients (${rows} rows, ${made.optedOut} opted out) ` +
      `in ${made.seconds.toFixed(1)} s to ${made.dir}`
  )
  console.log(`spec: ${made.spec}`)
  console.log('These files hold made-up names, addresses and insurance numbers: keep them out of any dataset.')
}

interface IngestOpts extends DataDirOpts {
  spec: string
  project: string
  name: string
  optOut?: string
  optOutColumn?: string
  description?: string
}

/**
 * `vre dataset ingest`: the pseudonymized file is written under a temporary name and renamed by
 * ingestDataset; the store learns of it only after that, and the file is removed again if the store
 * refuses, so a failure at any step leaves neither a dataset row nor a file.
 */
async function ingest(opts: IngestOpts): Promise<void> {
  if (!DATASET_NAME.test(opts.name)) throw new InvalidInput('a dataset name is lowercase letters, digits and "-"')
  if (opts.optOutColumn !== undefined && opts.optOut === undefined) {
    throw new InvalidInput('--opt-out-column needs --opt-out')
  }
  await withStore(opts, async (store) => {
    const cfg = config(opts)
    const project = (await store.getProject(opts.project)) ?? (await store.getProjectByTitle(opts.project))
    if (project === null) throw new InvalidInput(`there is no project ${opts.project}`)
    const full = await store.getProject(project.id)
    const file = `datasets/${opts.name}.duckdb`
    const failed = async (reason: string) =>
      store.appendAudit({
        actor: actor(),
        action: 'dataset.ingest',
        sourceIp: null,
        target: opts.name,
        outcome: 'failure',
        details: { project: project.id, reason }
      })
    try {
      const existing = await store.getDatasetByName(opts.name)
      if (existing?.file) throw new IngestError(`the dataset ${opts.name} already has a file (${existing.file})`)
      // Pseudonyms are made for one project: a dataset another project can see must not get them.
      const other = existing === null ? null : await store.getDatasetProject(existing.id)
      if (other !== null && other.id !== project.id) {
        throw new IngestError(
          `the dataset ${opts.name} is granted to the project ${other.title}; its pseudonyms would be ${project.title}'s`
        )
      }
      const spec = loadIngestSpec(opts.spec)
      const key = projectPseudonymKey(loadPseudonymMasterKey(cfg.dataDir), project.id)
      mkdirSync(join(cfg.dataDir, 'datasets'), { recursive: true, mode: 0o700 })
      const path = join(cfg.dataDir, file)
      const made = await ingestDataset({
        spec,
        path,
        key,
        name: opts.name,
        ...(opts.optOut !== undefined ? { optOut: { file: opts.optOut, column: opts.optOutColumn ?? null } } : {}),
        onProgress: (m) => process.stderr.write(`${m}\n`)
      })
      key.fill(0)
      try {
        const dataset =
          existing ??
          (await store.createDataset(opts.name, opts.description ?? spec.description, {
            actor: actor(),
            action: 'dataset.create',
            sourceIp: null,
            target: opts.name,
            outcome: 'success'
          }))
        await store.setDatasetFile(dataset.id, file, {
          actor: actor(),
          action: 'dataset.file',
          sourceIp: null,
          target: dataset.id,
          outcome: 'success',
          details: {
            file,
            source: 'ingest',
            project: project.id,
            specSha256: spec.sha256,
            persons: made.persons,
            optOut: made.optOut,
            tables: made.tables.map((t) => ({
              name: t.name,
              sourceRows: t.sourceRows,
              rows: t.rows,
              optedOutRows: t.optedOutRows
            }))
          }
        })
        // its pseudonyms are this project's: it is this project's dataset
        if (!full?.datasets.some((d) => d.name === opts.name)) {
          await store.setProjectDataset(project.id, dataset.id, true, {
            actor: actor(),
            action: 'project.dataset_grant',
            sourceIp: null,
            target: project.id,
            outcome: 'success',
            details: { project: project.id, dataset: dataset.id, name: opts.name }
          })
        }
      } catch (err) {
        rmSync(path, { force: true })
        throw err
      }
      console.log(
        `ingested ${opts.name} for ${project.title}: ${made.persons} people, ${made.rows} of ${made.sourceRows} rows ` +
          `in ${made.seconds.toFixed(1)} s (${Math.round(made.sourceRows / made.seconds)} rows/s) -> ${file}`
      )
      if (made.optOut === null) console.log('no opt-out list was given: nobody was removed')
      else {
        console.log(
          `opt-out list: ${made.optOut.listed} keys, ${made.optOut.removedPersons} of them people in the data, removed`
        )
      }
    } catch (err) {
      if (err instanceof IngestError) {
        await failed(err.message)
        throw new InvalidInput(err.detail !== undefined ? `${err.message}\n  ${err.detail}` : err.message)
      }
      throw err
    }
  })
}

export function program(): Command {
  const cli = new Command('vre')
    .description('Visiting Research Environment gateway and administration')
    .showHelpAfterError()

  const serveOptions = (c: Command) =>
    c
      .addOption(new Option('--port <port>', 'port to listen on (env VRE_PORT, default 8080)').argParser(port))
      .addOption(new Option('--host <host>', 'address to listen on (env VRE_HOST, default 127.0.0.1)'))
      .addOption(dataDirOption())

  serveOptions(cli.command('serve').description('run the gateway')).action(async (opts: ServeOpts) => {
    await start(config(opts))
  })

  serveOptions(
    cli.command('demo').description('seed demo organizations, accounts and a project, then run the gateway')
  ).action(async (opts: ServeOpts) => {
    const cfg = config(opts)
    await start(cfg, async (app) => {
      const { created } = await seedDemo(app.store, app.keys, cfg.dataDir, {
        now: new Date(),
        timeZone: cfg.timeZone,
        withDataset: true
      })
      const credentialsPath = join(cfg.dataDir, CREDENTIALS_FILE)
      const creds = JSON.parse(readFileSync(credentialsPath, 'utf8')) as Record<
        string,
        { password: string; totpSecret: string }
      >
      console.log('')
      console.log(
        `VRE demo ${created.length > 0 ? `seeded (${created.join(', ')})` : 'data reused'}: http://${cfg.host}:${cfg.port}/`
      )
      console.log(`Accounts, passwords and TOTP secrets: ${credentialsPath}`)
      for (const [name, c] of Object.entries(creds))
        console.log(`  ${name.padEnd(12)} password ${c.password}  TOTP ${c.totpSecret}`)
      console.log('Add a TOTP secret to an authenticator app (or: oathtool --totp -b SECRET) to get the 6-digit code.')
      console.log('')
    })
  })

  cli
    .command('admin')
    .description('administrator accounts')
    .command('create')
    .description('create an administrator account')
    .requiredOption('--username <name>')
    .option('--display-name <name>', 'name shown in the console', 'Administrator')
    .addOption(baseUrlOption())
    .addOption(dataDirOption())
    .action(async (opts: { username: string; displayName: string; baseUrl?: string } & DataDirOpts) => {
      await addUser({ ...opts, roles: ['admin'] })
    })

  cli
    .command('user')
    .description('user accounts')
    .command('add')
    .description('create a user account; prints the single-use link with which the person enrols')
    .requiredOption('--username <name>')
    .requiredOption('--display-name <name>')
    .requiredOption('--roles <roles>', `comma-separated: ${ROLES.join(', ')}`, roles)
    .option('--org <name>', 'organization (required for researchers)')
    .addOption(baseUrlOption())
    .addOption(dataDirOption())
    .action(async (opts) => addUser(opts))

  cli
    .command('org')
    .description('organizations and their Type II certification')
    .command('add')
    .description('register an organization with its Type II certification')
    .requiredOption('--name <name>')
    .requiredOption('--cert-number <number>', 'certification number, e.g. T2-0042')
    .requiredOption('--valid-from <date>', 'YYYY-MM-DD')
    .requiredOption('--valid-to <date>', 'YYYY-MM-DD')
    .addOption(new Option('--status <status>').choices(['active', 'suspended', 'revoked']).default('active'))
    .addOption(dataDirOption())
    .action(async (opts) => {
      await withStore(opts, async (store) => {
        const org = await createOrganization(
          store,
          {
            name: opts.name,
            certificationNumber: opts.certNumber,
            validFrom: opts.validFrom,
            validTo: opts.validTo,
            status: opts.status
          },
          { actor: actor(), sourceIp: null }
        )
        console.log(`created organization ${org.name} with certification ${opts.certNumber}`)
      })
    })

  cli
    .command('project')
    .description('research projects')
    .command('add')
    .description('register an approved research project')
    .requiredOption('--title <title>')
    .requiredOption('--purpose <text>')
    .requiredOption('--approval-ref <ref>', 'ethics / data-use approval reference')
    .requiredOption('--start <date>', 'YYYY-MM-DD')
    .requiredOption('--end <date>', 'YYYY-MM-DD')
    .option('--members <usernames>', 'comma-separated', list, [])
    .option('--datasets <names>', 'comma-separated', list, [])
    .addOption(dataDirOption())
    .action(async (opts) => {
      await withStore(opts, async (store) => {
        const p = await createProject(
          store,
          {
            title: opts.title,
            purpose: opts.purpose,
            approvalReference: opts.approvalRef,
            startDate: opts.start,
            endDate: opts.end,
            members: opts.members,
            datasets: opts.datasets
          },
          { actor: actor(), sourceIp: null }
        )
        console.log(`created project ${p.title} (${p.startDate} to ${p.endDate})`)
      })
    })

  const dataset = cli.command('dataset').description('pseudonymized datasets')
  dataset
    .command('generate')
    .description(
      'generate a synthetic pseudonymized claims/EHR dataset (DuckDB) and register it; with --raw, write its ' +
        'raw identifiable form (CSV or Parquet, a dataset spec and an opt-out list) to test `dataset ingest`'
    )
    .option('--name <name>', 'dataset name, e.g. synthetic-1m (required unless --raw)')
    .option('--description <text>', 'shown in the data catalog', 'Synthetic pseudonymized claims and EHR data')
    .requiredOption('--patients <n>', 'number of patients (1 to 10,000,000)', (v) => {
      if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > 10_000_000) {
        throw new InvalidArgumentError('a whole number from 1 to 10,000,000')
      }
      return Number(v)
    })
    .option('--seed <seed>', 'same seed and size give the same data', '1')
    .option('--raw', 'write the raw, identifiable form to --out instead of a dataset')
    .option('--out <dir>', 'with --raw: the folder for the raw files')
    .addOption(new Option('--format <format>', 'with --raw: file format').choices(['csv', 'parquet']).default('csv'))
    .addOption(dataDirOption())
    .action(async (opts: GenerateOpts) => {
      if (opts.raw) return generateRaw(opts)
      if (opts.name === undefined) throw new InvalidInput('--name is required (or --raw with --out)')
      const name = opts.name
      if (!DATASET_NAME.test(name)) {
        throw new InvalidInput('a dataset name is lowercase letters, digits and "-"')
      }
      await withStore(opts, async (store) => {
        const cfg = config(opts)
        const existing = await store.getDatasetByName(name)
        if (existing?.file) throw new InvalidInput(`the dataset ${name} already has a file (${existing.file})`)
        const file = `datasets/${name}.duckdb`
        mkdirSync(join(cfg.dataDir, 'datasets'), { recursive: true, mode: 0o700 })
        const made = await generateSyntheticDataset({
          path: join(cfg.dataDir, file),
          patients: opts.patients,
          seed: opts.seed,
          name: name,
          overwrite: true,
          onProgress: (p) => process.stderr.write(`\r${p.patients} / ${p.total} patients, ${p.seconds.toFixed(0)} s`)
        })
        process.stderr.write('\n')
        const dataset =
          existing ??
          (await store.createDataset(name, opts.description, {
            actor: actor(),
            action: 'dataset.create',
            sourceIp: null,
            target: name,
            outcome: 'success'
          }))
        await store.setDatasetFile(dataset.id, file, {
          actor: actor(),
          action: 'dataset.file',
          sourceIp: null,
          target: dataset.id,
          outcome: 'success',
          details: { file, generator: 'synthetic', patients: opts.patients, seed: opts.seed, tables: made.tables }
        })
        const rows = made.tables.reduce((n, t) => n + t.rows, 0)
        console.log(
          `generated ${name}: ${opts.patients} patients, ${rows} rows in ${made.seconds.toFixed(1)} s -> ${file}`
        )
      })
    })

  dataset
    .command('ingest')
    .description(
      'pseudonymize a raw CSV/Parquet extract described by a dataset spec into a DuckDB dataset for one project, ' +
        'and register it'
    )
    .requiredOption('--spec <file>', 'dataset spec (YAML); source paths in it are relative to it')
    .requiredOption('--project <project>', 'title or id of the project the pseudonyms are made for')
    .requiredOption('--name <name>', 'dataset name, e.g. claims-2024')
    .option(
      '--opt-out <file>',
      "people who asked that their data not be provided (本人の提供停止); replaces the spec's"
    )
    .option('--opt-out-column <column>', 'the opt-out list is a CSV with a header, person keys in this column')
    .option('--description <text>', "shown in the data catalog (default: the spec's description)")
    .addOption(dataDirOption())
    .action(async (opts: IngestOpts) => ingest(opts))

  const audit = cli.command('audit').description('the tamper-evident audit log')
  audit
    .command('head')
    .description('print the signed head of the log; keep it elsewhere and pass it to verify --head later')
    .addOption(dataDirOption())
    .action(async (opts: DataDirOpts) => {
      const cfg = config(opts)
      const store = new SqliteStore({ path: join(cfg.dataDir, STORE_FILE), auditSigningKey: null })
      try {
        const head = (await store.auditCheckpoints()).sort((a, b) => a.seq - b.seq).at(-1)
        if (head === undefined) throw new InvalidInput('the audit log is empty')
        console.log(JSON.stringify(head))
      } finally {
        store.close()
      }
    })
  audit
    .command('verify')
    .description('check the hash chain and signed checkpoints; exits 1 and names the first broken record')
    .option('--head <file>', 'a head printed earlier by `vre audit head`: the log must still hold it')
    .addOption(dataDirOption())
    .action(async (opts: DataDirOpts & { head?: string }) => {
      const cfg = config(opts)
      let witness: AuditCheckpoint | undefined
      if (opts.head !== undefined) {
        try {
          witness = JSON.parse(readFileSync(opts.head, 'utf8')) as AuditCheckpoint
        } catch (err) {
          throw new InvalidInput(`cannot read the kept head ${opts.head}: ${(err as Error).message}`)
        }
      }
      const store = new SqliteStore({ path: join(cfg.dataDir, STORE_FILE), auditSigningKey: null })
      try {
        const result = await verifyChain(
          store.auditRecords(),
          await store.auditCheckpoints(),
          loadAuditPublicKey(cfg.dataDir),
          witness
        )
        if (result.ok) {
          console.log(`audit log intact: ${result.records} records, signed head at record ${result.headSeq}`)
        } else {
          console.error(
            `audit log BROKEN${result.firstBrokenSeq !== null ? ` at record ${result.firstBrokenSeq}` : ''}: ${result.reason}`
          )
          process.exitCode = 1
        }
      } finally {
        store.close()
      }
    })
  audit
    .command('check-export <file>')
    .description("check an export from the audit console: the seal's signature, the lines it covers, the chain within")
    .requiredOption('--public-key <file>', 'the audit signing public key (audit-signing.pub in the data directory)')
    .action((file: string, opts: { publicKey: string }) => {
      let key: KeyObject
      let text: string
      try {
        key = createPublicKey(readFileSync(opts.publicKey, 'utf8'))
        text = readFileSync(file, 'utf8')
      } catch (err) {
        throw new InvalidInput(`cannot read ${(err as Error).message}`)
      }
      const check = verifyExport(text, key)
      if (check.ok) {
        const s = check.seal
        console.log(
          `export intact: ${s.records} records${s.firstSeq === null ? '' : ` (${s.firstSeq} to ${s.lastSeq})`} ` +
            `from ${s.from} to ${s.to}, exported by ${s.exportedBy} at ${s.exportedAt}`
        )
      } else {
        console.error(`export BROKEN: ${check.reason}`)
        process.exitCode = 1
      }
    })

  return cli
}

export async function main(argv: string[]): Promise<void> {
  try {
    await program().parseAsync(argv)
  } catch (err) {
    if (err instanceof ConfigError || err instanceof InvalidInput) {
      console.error(`vre: ${err.message}`)
      process.exit(2)
    }
    throw err
  }
}
