import { statSync } from 'node:fs'
import { join } from 'node:path'
import type { Keyring } from '../keys/keyring.js'
import type { Store } from '../store/types.js'
import { withPlainDataset } from './at-rest.js'
import { type Catalog, catalogMarks, readCatalog } from './catalog.js'

/**
 * The catalog of an encrypted dataset file: DuckDB opens files only, so it reads a decrypted copy in
 * memory-backed storage, opened read-only and removed right after. A file that does not decrypt
 * (changed, cut, another dataset's) is an error: no catalog is read from it.
 */
export function readDatasetCatalog(path: string, keyring: Keyring, datasetId: string): Promise<Catalog> {
  return withPlainDataset(path, keyring, datasetId, (plain) => readCatalog(plain))
}

/**
 * Catalogs read from dataset files, kept until a file changes (by size and modification time):
 * reading one decrypts the file, opens it with DuckDB and counts every table's rows.
 */
export class CatalogCache {
  private readonly cache = new Map<string, { stamp: string; catalog: Promise<Catalog> }>()

  constructor(private readonly keyring: Keyring) {}

  /** The catalog of the dataset `datasetId`'s file at `file`. */
  read(file: string, datasetId: string): Promise<Catalog> {
    const st = statSync(file)
    const stamp = `${datasetId}:${st.size}:${st.mtimeMs}`
    const hit = this.cache.get(file)
    if (hit?.stamp === stamp) return hit.catalog
    const catalog = readDatasetCatalog(file, this.keyring, datasetId)
    this.cache.set(file, { stamp, catalog })
    catalog.catch(() => this.cache.delete(file))
    return catalog
  }

  /**
   * The identifier and quasi-identifier columns of every dataset granted to a project (a dataset
   * without a file yet has none). Throws when a file can't be read: the checks don't run without them.
   */
  async projectMarks(
    store: Pick<Store, 'getProject'>,
    dataDir: string,
    projectId: string
  ): Promise<{ identifiers: string[]; quasiIdentifiers: string[] }> {
    const project = await store.getProject(projectId)
    if (project === null) throw new Error(`no project ${projectId}`)
    const catalogs: Catalog[] = []
    for (const d of project.datasets) if (d.file !== null) catalogs.push(await this.read(join(dataDir, d.file), d.id))
    return catalogMarks(catalogs)
  }
}
