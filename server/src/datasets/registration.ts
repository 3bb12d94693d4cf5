/**
 * Registering a dataset: the one way a dataset file comes to be known to the gateway, whether the
 * CLI generates it, ingests it, or the demo seeds it. The file is written first, under the data
 * directory; the store learns of it only afterwards, and the file is removed again if the store
 * refuses it, so no file lies in the data directory that the catalog does not name.
 */
import { existsSync, mkdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import type { AuditEvent } from '../audit/record.js'
import type { DatasetRow, ProjectRow, Store } from '../store/types.js'
import { projectHoldingDataset } from '../projects/dataset-owner.js'

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

/** Where a dataset's file lives, relative to the data directory. */
export function datasetFile(name: string): string {
  return `datasets/${name}.duckdb`
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
  /** Writes the dataset file at `path` (absolute). */
  write: (path: string) => Promise<WrittenDataset>
}

export interface RegisteredDataset {
  dataset: DatasetRow
  /** relative to the data directory */
  file: string
  written: WrittenDataset
}

/**
 * Checks the name and that the dataset has no file yet (and belongs to no other project), writes the
 * file, then creates the dataset row if there is none, attaches the file and grants it to the project.
 */
export async function registerDataset(
  store: Store,
  dataDir: string,
  registration: DatasetRegistration,
  by: RegisteredBy
): Promise<RegisteredDataset> {
  const { name, project } = registration
  if (!isDatasetName(name)) throw new DatasetRegistrationRefused(DATASET_NAME_RULE)
  const existing = await store.getDatasetByName(name)
  const lost = registration.remakeLostFile === true && !existsSync(join(dataDir, existing?.file ?? ''))
  if (existing?.file && !lost) {
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
  const file = datasetFile(name)
  const path = join(dataDir, file)
  mkdirSync(join(dataDir, 'datasets'), { recursive: true, mode: 0o700 })
  const written = await registration.write(path)
  try {
    const dataset =
      existing ??
      (await store.createDataset(name, registration.description ?? written.description ?? '', {
        ...by,
        action: 'dataset.create',
        target: name,
        outcome: 'success'
      }))
    await store.setDatasetFile(dataset.id, file, {
      ...by,
      action: 'dataset.file',
      target: dataset.id,
      outcome: 'success',
      details: { file, ...written.details }
    })
    if (project !== undefined && (await store.getDatasetProject(dataset.id)) === null) {
      await store.setProjectDataset(project.id, dataset.id, true, {
        ...by,
        action: 'project.dataset_grant',
        target: project.id,
        outcome: 'success',
        details: { project: project.id, dataset: dataset.id, name }
      })
    }
    return { dataset: { ...dataset, file }, file, written }
  } catch (err) {
    rmSync(path, { force: true })
    throw err
  }
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
    (await store.createDataset(name, description, { ...by, action: 'dataset.create', target: name, outcome: 'success' }))
  )
}
