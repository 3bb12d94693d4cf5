/**
 * Registering a dataset: the one way a dataset file comes to be known to the gateway, whether the
 * CLI generates it, ingests it, or the demo seeds it. The writer makes the DuckDB file in
 * memory-backed storage; it is encrypted under a data key of its own into the data directory, and
 * the store learns of it only afterwards (the file removed again if the store refuses it), so no
 * file lies in the data directory that the catalog does not name, and no dataset lies there in the
 * clear. A dataset that has a file gets another version only to replace it (a re-ingest after an
 * opt-out, a lost demo file made again): once the new one is registered, the keys of the earlier
 * versions are destroyed and their files deleted, so a copy of them taken before opens no more.
 */
import { createReadStream, existsSync, mkdirSync, rmSync } from 'node:fs'
import { join, normalize } from 'node:path'
import type { AuditEvent } from '../audit/record.js'
import { writeEncryptedFile } from '../keys/encrypted-file.js'
import type { Keyring } from '../keys/keyring.js'
import type { DatasetRow, ProjectRow, Store } from '../store/types.js'
import { projectHoldingDataset } from '../projects/dataset-owner.js'
import { datasetContext, datasetKeyScope, withMemoryDir } from './at-rest.js'
import { removeCopiesOfKey } from './host-copies-cleanup.js'

/** Who registers, as the audit records it. */
export type RegisteredBy = Omit<AuditEvent, 'action' | 'target' | 'outcome' | 'details'>

/** Why a dataset was not registered; nothing was written. */
export class DatasetRegistrationRefused extends Error {
  override name = 'DatasetRegistrationRefused'
}

const DATASET_NAME = /^[a-z0-9][a-z0-9-]{0,62}$/
export const DATASET_NAME_RULE = 'a dataset name is lowercase letters, digits and "-"'

/** A dataset's name is also its file's name, so it is kept to characters safe in a path. */
export function isDatasetName(name: string): boolean {
  return DATASET_NAME.test(name)
}

/** Where a version of a dataset is kept, relative to the data directory. */
export function datasetFile(name: string, version: number): string {
  return `datasets/${name}.v${version}.duckdb.enc`
}

/** What the writer made: recorded with the file in the audit log. */
export interface WrittenDataset {
  details: Record<string, unknown>
  /** used when the registration names no description (an ingest spec describes its data) */
  description?: string
}

export interface DatasetRegistration {
  name: string
  description?: string
  /**
   * The project whose pseudonyms the file holds: the dataset is granted to it, and refused if
   * another project already has it, since two projects seeing one set of pseudonyms could link theirs.
   */
  project?: ProjectRow
  /** A dataset whose registered file is gone from the data directory gets it made again (the demo). */
  remakeLostFile?: boolean
  /**
   * A dataset that has a file gets a new version replacing it (a re-ingest without the people who
   * opted out); `reason` is recorded with the destruction of the earlier version's key.
   */
  replace?: { reason: string }
  /** Writes the plaintext DuckDB file at `path` (absolute, in memory-backed storage). */
  write: (path: string) => Promise<WrittenDataset>
}

export interface RegisteredDataset {
  dataset: DatasetRow
  /** relative to the data directory */
  file: string
  version: number
  /** the data key of this version */
  keyId: string
  written: WrittenDataset
  /** the keys of earlier versions destroyed by this registration */
  destroyedKeys: string[]
}

/** The version after every one this dataset has had (failed registrations included: numbers are never reused). */
function nextVersion(keyring: Keyring, datasetId: string): number {
  let last = 0
  for (const e of keyring.entries()) {
    if (e.purpose !== 'dataset' || !e.scope.startsWith(`${datasetId}@`)) continue
    const v = Number(e.scope.slice(datasetId.length + 1))
    if (Number.isInteger(v) && v > last) last = v
  }
  return last + 1
}

/** The live keys of a dataset's versions other than `keep`: the keyring's record, not any file's header. */
export function earlierDatasetKeys(
  keyring: Keyring,
  datasetId: string,
  keep: string | null
): { id: string; scope: string }[] {
  return keyring
    .entries()
    .filter(
      (e) =>
        e.purpose === 'dataset' && e.scope.startsWith(`${datasetId}@`) && e.destroyedAt === undefined && e.id !== keep
    )
    .map((e) => ({ id: e.id, scope: e.scope }))
}

/**
 * Checks the name and that the dataset has no file yet (and belongs to no other project), writes the
 * plaintext in memory, creates the dataset row if there is none, encrypts the file into the data
 * directory under a new data key, attaches it and grants it to the project; then retires earlier
 * versions.
 */
export async function registerDataset(
  store: Store,
  dataDir: string,
  keyring: Keyring,
  registration: DatasetRegistration,
  by: RegisteredBy
): Promise<RegisteredDataset> {
  const { name, project } = registration
  if (!isDatasetName(name)) throw new DatasetRegistrationRefused(DATASET_NAME_RULE)
  const existing = await store.getDatasetByName(name)
  const lost = registration.remakeLostFile === true && !existsSync(join(dataDir, existing?.file ?? ''))
  const replacing = registration.replace !== undefined && !!existing?.file
  if (existing?.file && !lost && !replacing) {
    throw new DatasetRegistrationRefused(`the dataset ${name} already has a file (${existing.file})`)
  }
  if (project !== undefined && existing !== null) {
    const other = await projectHoldingDataset(store, existing.id, project.id)
    if (other !== null) {
      throw new DatasetRegistrationRefused(
        `the dataset ${name} is granted to the project ${other.title}; its pseudonyms would be ${project.title}'s`
      )
    }
  }
  mkdirSync(join(dataDir, 'datasets'), { recursive: true, mode: 0o700 })
  const registered = await withMemoryDir('dataset-write', async (scratch) => {
    const plain = join(scratch, `${name}.duckdb`)
    const written = await registration.write(plain)
    if (!existsSync(plain)) throw new Error(`the writer of ${name} made no file`)
    const dataset =
      existing ??
      (await store.createDataset(name, registration.description ?? written.description ?? '', {
        ...by,
        action: 'dataset.create',
        target: name,
        outcome: 'success'
      }))
    const version = nextVersion(keyring, dataset.id)
    const { id: keyId, key } = keyring.create('dataset', datasetKeyScope(dataset.id, version))
    const file = datasetFile(name, version)
    const path = join(dataDir, file)
    try {
      await writeEncryptedFile(path, createReadStream(plain), keyId, key, datasetContext(dataset.id))
      await store.setDatasetFile(dataset.id, file, {
        ...by,
        action: 'dataset.file',
        target: dataset.id,
        outcome: 'success',
        details: { file, version, keyId, ...(existing?.file ? { replaces: existing.file } : {}), ...written.details }
      })
    } catch (err) {
      rmSync(path, { force: true })
      // the key never protected a registered file
      keyring.destroy(keyId)
      throw err
    }
    // once the file is registered it stays, whatever happens to the grant (a command can grant it again)
    if (project !== undefined && (await store.getDatasetProject(dataset.id)) === null) {
      await store.setProjectDataset(project.id, dataset.id, true, {
        ...by,
        action: 'project.dataset_grant',
        target: project.id,
        outcome: 'success',
        details: { project: project.id, dataset: dataset.id, name }
      })
    }
    return { dataset: { ...dataset, file }, file, version, keyId, written }
  })
  const reason = registration.replace?.reason ?? 'its file was lost and made again'
  const destroyedKeys = await retireEarlierVersions(store, dataDir, keyring, registered.dataset.id, registered.keyId, {
    reason,
    file: existing?.file && existing.file !== registered.file ? existing.file : null,
    by
  })
  return { ...registered, destroyedKeys }
}

/**
 * Destroys the keys of a dataset's versions other than `keep`, each after its audit record (no
 * record, no destruction), then deletes the earlier file: destroyed first, so a crash in between
 * leaves only a file nothing can open.
 */
async function retireEarlierVersions(
  store: Store,
  dataDir: string,
  keyring: Keyring,
  datasetId: string,
  keep: string,
  o: { reason: string; file: string | null; by: RegisteredBy }
): Promise<string[]> {
  const destroyed: string[] = []
  for (const k of earlierDatasetKeys(keyring, datasetId, keep)) {
    await store.appendAudit({
      ...o.by,
      action: 'key.destroyed',
      target: datasetId,
      outcome: 'success',
      details: { keyId: k.id, purpose: 'dataset', scope: k.scope, reason: o.reason }
    })
    keyring.destroy(k.id)
    // the earlier version's plaintext shared on this host goes with its key, gateway running or not
    removeCopiesOfKey(k.id)
    destroyed.push(k.id)
  }
  // only a file of the datasets folder: the row is the gateway's own, but a path is checked before a delete
  if (o.file !== null && normalize(o.file).startsWith('datasets/'))
    rmSync(join(dataDir, normalize(o.file)), { force: true })
  return destroyed
}

/** The dataset row without a file, for a seed that names a dataset before (or without) making it. */
export async function ensureDatasetRow(
  store: Store,
  name: string,
  description: string,
  by: RegisteredBy
): Promise<DatasetRow> {
  return (
    (await store.getDatasetByName(name)) ??
    (await store.createDataset(name, description, {
      ...by,
      action: 'dataset.create',
      target: name,
      outcome: 'success'
    }))
  )
}
