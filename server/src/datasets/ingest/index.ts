export { CREATE_PADS_SQL, hmacPads, hmacSql, INSERT_PADS_SQL, PADS_TABLE } from './hmac.js'
export {
  INGEST_VERSION,
  ingestDataset,
  type IngestOptions,
  type IngestResult,
  type IngestTableResult,
  readOptOut
} from './ingest.js'
export {
  checkIngestSpec,
  IngestError,
  type IngestSpec,
  IngestSpecSchema,
  loadIngestSpec,
  QUASI_RULES,
  type SpecColumn,
  type SpecTable
} from './spec.js'
