import { type Static, Type } from 'typebox'

export const CatalogColumnView = Type.Object({
  name: Type.String(),
  type: Type.String(),
  description: Type.String(),
  /** whether the column identifies a person or singles people out in combination (the airlock's checks fail outputs carrying it) */
  mark: Type.Optional(Type.Union([Type.Literal('identifier'), Type.Literal('quasi-identifier'), Type.Null()]))
})

export const CatalogTableView = Type.Object({
  name: Type.String(),
  description: Type.String(),
  rowCount: Type.Integer(),
  columns: Type.Array(CatalogColumnView)
})

export const CatalogDatasetView = Type.Object({
  id: Type.String(),
  name: Type.String(),
  description: Type.String(),
  /** false while no file is attached: there is nothing to describe yet */
  available: Type.Boolean(),
  tables: Type.Array(CatalogTableView)
})

export const CatalogView = Type.Object({
  projectId: Type.String(),
  /** the search it answers, if any: only matching tables, and in them only matching columns unless the table matched */
  query: Type.Union([Type.String(), Type.Null()]),
  datasets: Type.Array(CatalogDatasetView)
})
export type CatalogView = Static<typeof CatalogView>

export const CatalogQuery = Type.Object(
  { q: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })) },
  { additionalProperties: false }
)

export const ProjectParams = Type.Object({ id: Type.String({ format: 'uuid' }) }, { additionalProperties: false })
