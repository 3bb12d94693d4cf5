import { type Command, InvalidArgumentError, Option } from 'commander'
import {
  generateRawDataset,
  generateSyntheticDataset,
  IngestError,
  ingestDataset,
  loadIngestSpec
} from '../../datasets/index.js'
import {
  DATASET_NAME_RULE,
  DatasetRegistrationRefused,
  isDatasetName,
  registerDataset
} from '../../datasets/registration.js'
import { InvalidInput } from '../../identity/accounts.js'
import { projectPseudonymKey, pseudonymMasterKey } from '../../keys/pseudonym.js'
import { actor, config, withStore } from '../data-dir.js'
import { dataDirOption, type DataDirOpts } from '../options.js'

interface GenerateOpts extends DataDirOpts {
  name?: string
  description: string
  patients: number
  seed: string
  raw?: boolean
  out?: string
  format: 'csv' | 'parquet'
}

interface IngestOpts extends DataDirOpts {
  spec: string
  project: string
  name: string
  optOut?: string
  optOutColumn?: string
  description?: string
}

const progress = (p: { patients: number; total: number; seconds: number }) =>
  process.stderr.write(`\r${p.patients} / ${p.total} patients, ${p.seconds.toFixed(0)} s`)

async function generateRaw(opts: GenerateOpts): Promise<void> {
  if (opts.out === undefined) throw new InvalidInput('--raw needs --out <dir>')
  let made: Awaited<ReturnType<typeof generateRawDataset>>
  try {
    made = await generateRawDataset({
      dir: opts.out,
      patients: opts.patients,
      seed: opts.seed,
      format: opts.format,
      onProgress: progress
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

async function generate(opts: GenerateOpts): Promise<void> {
  if (opts.raw) return generateRaw(opts)
  if (opts.name === undefined) throw new InvalidInput('--name is required (or --raw with --out)')
  const name = opts.name
  if (!isDatasetName(name)) throw new InvalidInput(DATASET_NAME_RULE)
  await withStore(opts, async (store, keys) => {
    let made: Awaited<ReturnType<typeof generateSyntheticDataset>> | undefined
    const registered = await registerDataset(
      store,
      config(opts).dataDir,
      keys.keyring,
      {
        name,
        description: opts.description,
        write: async (path) => {
          made = await generateSyntheticDataset({
            path,
            patients: opts.patients,
            seed: opts.seed,
            name,
            overwrite: true,
            onProgress: progress
          })
          process.stderr.write('\n')
          return { details: { generator: 'synthetic', patients: opts.patients, seed: opts.seed, tables: made.tables } }
        }
      },
      { actor: actor(), sourceIp: null }
    ).catch((err: unknown) => {
      throw err instanceof DatasetRegistrationRefused ? new InvalidInput(err.message) : err
    })
    const rows = made!.tables.reduce((n, t) => n + t.rows, 0)
    console.log(
      `generated ${name}: ${opts.patients} patients, ${rows} rows in ${made!.seconds.toFixed(1)} s -> ${registered.file}`
    )
  })
}

/**
 * `vre dataset ingest`: the pseudonymized file is made for one project (its key makes the
 * pseudonyms) and registered as that project's dataset. A refusal is audited, so an operator's
 * failed attempts show in the log as well as their successes.
 */
async function ingest(opts: IngestOpts): Promise<void> {
  if (!isDatasetName(opts.name)) throw new InvalidInput(DATASET_NAME_RULE)
  if (opts.optOutColumn !== undefined && opts.optOut === undefined) {
    throw new InvalidInput('--opt-out-column needs --opt-out')
  }
  await withStore(opts, async (store, keys) => {
    const cfg = config(opts)
    const project = (await store.getProject(opts.project)) ?? (await store.getProjectByTitle(opts.project))
    if (project === null) throw new InvalidInput(`there is no project ${opts.project}`)
    let made: Awaited<ReturnType<typeof ingestDataset>> | undefined
    try {
      const registered = await registerDataset(
        store,
        cfg.dataDir,
        keys.keyring,
        {
          name: opts.name,
          ...(opts.description !== undefined ? { description: opts.description } : {}),
          project,
          // again with an opt-out list: a new version without those people; the earlier one's key is destroyed
          ...(opts.optOut !== undefined ? { replace: { reason: 'opt-out: a new version without the people who opted out' } } : {}),
          write: async (path) => {
            const spec = loadIngestSpec(opts.spec)
            const key = projectPseudonymKey(pseudonymMasterKey(keys.keyring), project.id)
            try {
              made = await ingestDataset({
                spec,
                path,
                key,
                name: opts.name,
                ...(opts.optOut !== undefined ? { optOut: { file: opts.optOut, column: opts.optOutColumn ?? null } } : {}),
                onProgress: (m) => process.stderr.write(`${m}\n`)
              })
            } finally {
              key.fill(0)
            }
            return {
              description: spec.description,
              details: {
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
            }
          }
        },
        { actor: actor(), sourceIp: null }
      )
      const m = made!
      console.log(
        `ingested ${opts.name} for ${project.title}: ${m.persons} people, ${m.rows} of ${m.sourceRows} rows ` +
          `in ${m.seconds.toFixed(1)} s (${Math.round(m.sourceRows / m.seconds)} rows/s) -> ${registered.file}`
      )
      if (registered.destroyedKeys.length > 0) {
        console.log(
          `version ${registered.version} replaces the earlier one: its key (${registered.destroyedKeys.join(', ')}) is destroyed and its file deleted`
        )
      }
      if (m.optOut === null) console.log('no opt-out list was given: nobody was removed')
      else {
        console.log(`opt-out list: ${m.optOut.listed} keys, ${m.optOut.removedPersons} of them people in the data, removed`)
      }
    } catch (err) {
      if (err instanceof IngestError || err instanceof DatasetRegistrationRefused) {
        await store.appendAudit({
          actor: actor(),
          action: 'dataset.ingest',
          sourceIp: null,
          target: opts.name,
          outcome: 'failure',
          details: { project: project.id, reason: err.message }
        })
        const detail = err instanceof IngestError ? err.detail : undefined
        throw new InvalidInput(detail !== undefined ? `${err.message}\n  ${detail}` : err.message)
      }
      throw err
    }
  })
}

/** `vre dataset generate` and `vre dataset ingest`: the two ways a dataset comes to the gateway. */
export function registerDatasetCommands(cli: Command): void {
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
    .action(async (opts: GenerateOpts) => generate(opts))

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
      "people who asked that their data not be provided (本人の提供停止); replaces the spec's. For a dataset " +
        "that has a file already, makes a new version and destroys the earlier version's key"
    )
    .option('--opt-out-column <column>', 'the opt-out list is a CSV with a header, person keys in this column')
    .option('--description <text>', "shown in the data catalog (default: the spec's description)")
    .addOption(dataDirOption())
    .action(async (opts: IngestOpts) => ingest(opts))
}
