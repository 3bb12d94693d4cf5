/**
 * A pure, seeded generator of pseudonymized data shaped like Japanese claims (レセプト) and EHR
 * extracts. It writes nothing itself: it calls a `RowSink` with numbers (indexes into the reference
 * lists, pseudonymous numeric identifiers, days since 1970-01-01), so a writer can stream millions
 * of rows without building objects or strings per row.
 *
 * Every patient's data depends only on (seed, patient index, dataset size): the size enters through
 * the facility list, which scales with the number of patients. The same seed and size always give
 * the same rows in the same order.
 */
import { type SeedWords, seedWords } from './prng.js'
import { MONTH_START_DAY, PERIOD_MONTHS } from './reference.js'
import { personNumber, STREAM_PATIENT } from './identifiers.js'
import { NULL_SINK, type RowSink } from './row-sink.js'
import { MonthlyCare } from './monthly-care.js'

export interface GeneratorOptions {
  patients: number
  seed: number | string
}

export const MAX_PATIENTS = 10_000_000

export {
  facilityNumber,
  formatAdmissionId,
  formatClaimId,
  formatFacilityId,
  formatPersonId,
  personNumber
} from './identifiers.js'
export type { RowSink } from './row-sink.js'

export class SyntheticGenerator extends MonthlyCare {
  private nextPatient = 0

  constructor(options: GeneratorOptions) {
    super(...checked(options))
  }

  /** Patients, claims and admissions generated so far. */
  get counts(): { patients: number; claims: number; admissions: number } {
    return { patients: this.nextPatient, claims: this.claimSeq, admissions: this.admissionSeq }
  }

  get done(): boolean {
    return this.nextPatient >= this.patients
  }

  emitFacilities(sink: RowSink): void {
    const f = this.facilities
    for (let i = 0; i < f.count; i++) sink.facility(f.fid[i]!, f.type[i]!, f.prefecture[i]!, f.dpc[i] === 1, f.beds[i]!)
  }

  /** Generate up to `count` more patients, in index order. Returns how many were generated. */
  emitPatients(count: number, sink: RowSink): number {
    const end = Math.min(this.patients, this.nextPatient + count)
    const n = end - this.nextPatient
    this.sink = sink
    try {
      for (let i = this.nextPatient; i < end; i++) this.simulate(i)
    } finally {
      this.sink = NULL_SINK
    }
    this.nextPatient = end
    return n
  }

  private simulate(index: number): void {
    this.rng.reseed(this.seed, STREAM_PATIENT, index)
    this.pid = personNumber(this.seed, index)
    this.demographics()
    this.conditions()
    this.care()
    this.labBaselines()
    this.plan()
    this.stayAdmit = -1
    this.stayEnd = -1
    this.denosumabNext = -1
    for (let m = 0; m < PERIOD_MONTHS; m++) {
      this.used = 0
      this.open.length = 0
      const age = this.ageAt(m)
      if (this.stayEnd < MONTH_START_DAY[m]!) this.maybeAdmit(m, age)
      const inpatientDays = this.inpatient(m)
      if (inpatientDays < 16) {
        this.clinicVisit(m, age)
        this.hospitalVisit(m, age)
      }
      this.kawasakiFollowUp(m)
      this.acuteVisits(m, age)
      if (this.checkup[0] === m || this.checkup[1] === m || this.checkup[2] === m) this.healthCheck(m)
      this.flushMonth(m)
    }
  }
}

function checked(options: GeneratorOptions): [SeedWords, number] {
  if (!Number.isInteger(options.patients) || options.patients < 1 || options.patients > MAX_PATIENTS) {
    throw new RangeError(`patients must be an integer from 1 to ${MAX_PATIENTS}: ${options.patients}`)
  }
  return [seedWords(options.seed), options.patients]
}
