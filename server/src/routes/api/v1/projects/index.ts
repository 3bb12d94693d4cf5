import { statSync } from 'node:fs'
import { join } from 'node:path'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { Catalog } from '../../../../datasets/catalog.js'
import { readDatasetCatalog } from '../../../../datasets/catalog-cache.js'
import { Errors } from '../../../../errors.js'
import { CatalogQuery, CatalogView, ProjectParams } from '../../../../schemas/catalog.js'
import { errorResponses } from '../../../../schemas/common.js'

/**
 * A project's data catalog: for each dataset granted to it, its tables, columns, types,
 * descriptions and row counts. Metadata only, read on the gateway from the dataset file (opened
 * read-only) and kept until the file changes; no row ever leaves this way.
 */
const routes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onRequest', app.requireRole('researcher'))
  const cache = new Map<string, { stamp: string; catalog: Promise<Catalog> }>()

  const catalogOf = (file: string, datasetId: string): Promise<Catalog> => {
    const st = statSync(file)
    const stamp = `${st.size}:${st.mtimeMs}`
    const hit = cache.get(file)
    if (hit?.stamp === stamp) return hit.catalog
    const catalog = readDatasetCatalog(file, app.keys.keyring, datasetId)
    cache.set(file, { stamp, catalog })
    catalog.catch(() => cache.delete(file))
    return catalog
  }

  app.get(
    '/:id/catalog',
    {
      schema: { params: ProjectParams, querystring: CatalogQuery, response: { 200: CatalogView, ...errorResponses } },
      // someone else's project is reported as not found, so ids can't be probed
      preHandler: app.requireEligible('catalog.read', { project: 'params.id' })
    },
    async (request) => {
      const project = await app.projects.find(request.params.id)
      if (project === null) throw new Errors.NotFound('There is no such project.')
      const q = request.query.q?.toLowerCase() ?? null
      const hit = (...texts: string[]) => q === null || texts.some((t) => t.toLowerCase().includes(q))
      const datasets = []
      for (const d of project.datasets) {
        if (d.file === null) {
          datasets.push({ id: d.id, name: d.name, description: d.description, available: false, tables: [] })
          continue
        }
        const catalog = await catalogOf(join(app.config.dataDir, d.file), d.id)
        const tables = catalog.tables.flatMap((t) => {
          if (hit(t.name, t.description)) return [t]
          const columns = t.columns.filter((c) => hit(c.name, c.description, c.type))
          return columns.length > 0 ? [{ ...t, columns }] : []
        })
        datasets.push({ id: d.id, name: d.name, description: d.description, available: true, tables })
      }
      return { projectId: project.id, query: request.query.q ?? null, datasets }
    }
  )
}

export default routes
