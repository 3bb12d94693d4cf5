import { Rng, type SeedWords } from './prng.js'
import { CT_PHARMACY, DRUGS, MONTH_START_DAY, PERIOD_MONTHS, PERIOD_START_ABS } from './reference.js'
import { STREAM_PATIENT } from './identifiers.js'
import { NC } from './clinical-tables.js'
import { buildFacilities, type Facilities } from './facilities.js'
import { Encounter, quantityFor } from './encounter.js'
import { NULL_SINK, type RowSink } from './row-sink.js'

/**
 * The generator's state: the facilities, the random stream, and the patient being simulated, with
 * the small steps every part of the simulation shares (ages, onsets, encounters, prescriptions).
 * The simulation is split over a chain of classes (profile, monthly care, generator) so each part
 * reads on its own while sharing these fields without indirection on the hot path.
 */
export abstract class PatientState {
  readonly seed: SeedWords
  readonly patients: number
  readonly facilities: Facilities
  protected claimSeq = 0
  protected admissionSeq = 0
  protected readonly rng: Rng
  protected sink: RowSink = NULL_SINK

  // The current patient. Plain fields rather than closures: this runs millions of times.
  protected pid = 0
  protected sex = 0
  protected birthAbs = 0
  protected pref = 1
  protected insurer = 0
  protected ageMid = 0
  protected z = 0
  protected readonly onset = new Int16Array(NC)
  protected readonly code = new Int16Array(NC)
  protected readonly regimen = new Int16Array(NC)
  /** First month a condition's drugs are given (after planned surgery); 0 otherwise. */
  protected readonly treatFrom = new Int16Array(NC)
  protected dialysis = false
  protected clinicFrom = -1
  protected hospitalFrom = -1
  protected hospitalInterval = 3
  protected interval = 1
  protected dayUnit = 28
  protected clinic = -1
  protected pharmacy = 0
  protected hospital = 0
  protected plannedMonth = -1
  protected plannedReason = -1
  protected readonly acute = new Int8Array(PERIOD_MONTHS)
  protected readonly checkup = new Int16Array(3)
  protected stayAdmit = -1
  protected stayEnd = -1
  protected stayReason = -1
  protected stayFacility = -1
  protected stayDpc = -1
  protected denosumabNext = -1
  // latent lab values
  protected insulin = false
  protected onStatin = false
  protected hba1cBase = 0
  protected hba1cDm = 0
  protected ldlBase = 0
  protected ldlHigh = 0
  protected sbpBase = 0
  protected sbpHtn = 0
  protected bmiBase = 0
  protected egfrBase = 0
  protected bnpBase = 0
  // the current month's encounters
  protected readonly pool: Encounter[] = []
  protected used = 0
  protected readonly open: Encounter[] = []

  constructor(seed: SeedWords, patients: number) {
    this.seed = seed
    this.patients = patients
    this.facilities = buildFacilities(seed, patients)
    this.rng = new Rng(seed, STREAM_PATIENT, 0)
  }

  protected ageAt(m: number): number {
    return Math.floor((PERIOD_START_ABS + m - this.birthAbs) / 12)
  }

  protected started(ci: number, m: number): boolean {
    const o = this.onset[ci]!
    return o >= 0 && o <= m
  }

  protected treated(ci: number, m: number): boolean {
    return this.started(ci, m) && this.treatFrom[ci]! <= m
  }

  protected dayIn(m: number): number {
    const start = MONTH_START_DAY[m]!
    return start + this.rng.int(MONTH_START_DAY[m + 1]! - start)
  }

  protected randomClinic(): number {
    const c = this.facilities.clinics[this.pref - 1]!
    return c.start + this.rng.int(c.count)
  }

  protected randomPharmacy(): number {
    const c = this.facilities.pharmacies[this.pref - 1]!
    return c.start + this.rng.int(c.count)
  }

  protected randomHospital(): number {
    const h = this.facilities.hospitals[this.pref - 1]!
    return h.start + this.rng.pick(h.cum)
  }

  protected encounter(facility: number, type: number, day: number, inHouse: boolean, pharmacy: number): Encounter {
    if (this.used === this.pool.length) this.pool.push(new Encounter())
    const e = this.pool[this.used++]!.reset(facility, type, day, inHouse, pharmacy)
    this.open.push(e)
    return e
  }

  /** This month's open claim of `type` at `facility` (claims are per facility and month). */
  protected findOpen(facility: number, type: number): Encounter | undefined {
    for (const e of this.open) if (e.facility === facility && e.type === type) return e
    return undefined
  }

  /** Prescribe: in-house and administered drugs stay on the encounter; the rest go to that month's pharmacy claim. */
  protected prescribe(e: Encounter, d: number, days: number): void {
    const quantity = quantityFor(d, days)
    if (e.inHouse || DRUGS[d]!.schedule === 'dose' || e.pharmacy < 0) {
      e.addDrug(d, days, quantity)
      return
    }
    const ph = this.findOpen(e.pharmacy, CT_PHARMACY) ?? this.encounter(e.pharmacy, CT_PHARMACY, e.day, true, -1)
    ph.addDrug(d, days, quantity)
    e.prescribed = true
  }

  // -------------------------------------------------------------------------------------------
}
