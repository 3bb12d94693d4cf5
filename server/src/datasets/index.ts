export { type Catalog, type CatalogColumn, type CatalogTable, readCatalog } from './catalog.js'
export { type DatasetDigest, datasetDigest } from './digest.js'
export * from './synthetic/index.js'
export * from './ingest/index.js'
