export {
  generateSyntheticDataset,
  nominalGeneratedAt,
  type GenerateSyntheticDatasetOptions,
  type GenerateSyntheticDatasetResult
} from './writer.js'
export {
  facilityNumber,
  formatAdmissionId,
  formatClaimId,
  formatFacilityId,
  formatPersonId,
  type GeneratorOptions,
  MAX_PATIENTS,
  personNumber,
  type RowSink,
  SyntheticGenerator
} from './generator.js'
export { type ColumnSpec, ddl, type TableSpec, TABLES, tableSpec } from './schema.js'
export {
  ACUTE,
  ADMISSION_REASONS,
  CLAIM_TYPES,
  CONDITIONS,
  DPC_CODES,
  DRUGS,
  FACILITY_TYPES,
  GENERATOR_VERSION,
  ICD10,
  INSURERS,
  LAB_TESTS,
  MONTHS,
  PREFECTURES,
  PROCEDURES,
  SEXES
} from './reference.js'
export { Rng, seedWords } from './prng.js'
export { checkDigit, type Identity, makeIdentity } from './identities.js'
export {
  generateRawDataset,
  type GenerateRawDatasetOptions,
  type GenerateRawDatasetResult,
  RAW_OPT_OUT_FILE,
  RAW_SPEC_FILE,
  RAW_TABLES,
  rawPatientNumber,
  rawSpecYaml
} from './raw.js'
