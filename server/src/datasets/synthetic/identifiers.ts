/** Pseudonymous identifiers of the synthetic data: keyed permutations of indexes, and their printed forms. */
import { feistel, type SeedWords } from './prng.js'
import { C, P } from './clinical-tables.js'

export const STREAM_PATIENT = 1
export const STREAM_FACILITY = 2
const DOMAIN_PERSON = 11
const DOMAIN_FACILITY = 12

/** 48-bit pseudonymous number of the patient at `index`: a keyed permutation, so unique and not sequential. */
export function personNumber(seed: SeedWords, index: number): number {
  return feistel(index, 24, seed, DOMAIN_PERSON)
}

export function facilityNumber(seed: SeedWords, index: number): number {
  return feistel(index, 16, seed, DOMAIN_FACILITY)
}

/** 'P' + 12 upper-case hex digits, as in the datasets. */
export function formatPersonId(pid: number): string {
  return 'P' + pid.toString(16).toUpperCase().padStart(12, '0')
}

export function formatFacilityId(fid: number): string {
  return 'F' + fid.toString(16).toUpperCase().padStart(8, '0')
}

export function formatClaimId(seq: number): string {
  return 'C' + String(seq).padStart(10, '0')
}

export function formatAdmissionId(seq: number): string {
  return 'A' + String(seq).padStart(9, '0')
}
