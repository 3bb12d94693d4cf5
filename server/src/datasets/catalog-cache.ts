import { statSync } from 'node:fs'
import { join } from 'node:path'
import type { Store } from '../store/types.js'
import { type Catalog, catalogMarks, readCatalog } from './catalog.js'

/**
 * Catalogs read from dataset files, kept until a file changes (by size and modification time):
 * reading one opens the DuckDB file and counts every table's rows.
 */
export class CatalogCache {
  private readonly cache = new Map<string, { stamp: string; catalog: Promise<Catalog> }>()

  /** The catalog of the dataset file at `file`. */
  read(file: string): Promise<Catalog> {
    const st = statSync(file)
    const stamp = `${st.size}:${st.mtimeMs}`
    const hit = this.cache.get(file)
    if (hit?.stamp === stamp) return hit.catalog
    const catalog = readCatalog(file)
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
    for (const d of project.datasets) if (d.file !== null) catalogs.push(await this.read(join(dataDir, d.file)))
    return catalogMarks(catalogs)
  }
}
