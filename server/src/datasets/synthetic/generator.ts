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
import { cumulative, feistel, Rng, type SeedWords, seedWords } from './prng.js'
import {
  ACUTE,
  ADMISSION_REASONS,
  AGE_BAND_WEIGHTS,
  admissionReason,
  type Care,
  CONDITIONS,
  condition,
  CT_DPC,
  CT_INPATIENT,
  CT_OUTPATIENT,
  CT_PHARMACY,
  DRUGS,
  drug,
  femaleShare,
  FT_CLINIC,
  FT_HOSPITAL,
  FT_PHARMACY,
  icd,
  INS_EHI,
  INS_LLE,
  INS_NHI,
  LAB_BMI,
  LAB_BNP,
  LAB_CR,
  LAB_DBP,
  LAB_EGFR,
  LAB_HBA1C,
  LAB_LDL,
  LAB_SBP,
  MONTH_START_DAY,
  PERIOD_LAST_DAY,
  PERIOD_MONTHS,
  PERIOD_START_ABS,
  PREFECTURES,
  PROCEDURES,
  procedure,
  SEX_F,
  SEX_M,
  seasonFactor
} from './reference.js'

/** Receives generated rows. Identifiers are numbers; `format*` in this module turns them into strings. */
export interface RowSink {
  facility(fid: number, type: number, prefecture: number, dpc: boolean, beds: number): void
  patient(pid: number, sex: number, birthAbsMonth: number, prefecture: number, insurer: number): void
  claim(seq: number, pid: number, month: number, type: number, fid: number, points: number): void
  diagnosis(seq: number, pid: number, icd: number, primary: boolean, suspected: boolean): void
  procedure(seq: number, pid: number, procedure: number): void
  drug(seq: number, pid: number, drug: number, daysSupply: number, quantity: number): void
  /** dischargeDay -1: still in hospital at the end of the period; dpc -1: not a DPC hospital. */
  admission(
    seq: number,
    pid: number,
    admitDay: number,
    dischargeDay: number,
    fid: number,
    icd: number,
    dpc: number
  ): void
  lab(pid: number, day: number, test: number, value: number): void
}

export interface GeneratorOptions {
  patients: number
  seed: number | string
}

export const MAX_PATIENTS = 10_000_000

// ---------------------------------------------------------------------------------------------
// Identifiers

const STREAM_PATIENT = 1
const STREAM_FACILITY = 2
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

// ---------------------------------------------------------------------------------------------
// Precomputed tables

const NC = CONDITIONS.length
const C = {
  fabry: condition('fabry'),
  als: condition('als'),
  pah: condition('pah'),
  kawasaki: condition('kawasaki'),
  stomach: condition('stomach-cancer'),
  colon: condition('colon-cancer'),
  lung: condition('lung-cancer'),
  breast: condition('breast-cancer'),
  htn: condition('hypertension'),
  dm: condition('diabetes'),
  lipid: condition('dyslipidaemia'),
  ckd: condition('ckd'),
  hf: condition('heart-failure'),
  af: condition('atrial-fibrillation'),
  copd: condition('copd'),
  dementia: condition('dementia'),
  osteo: condition('osteoporosis')
}
const CANCERS = [C.stomach, C.colon, C.lung, C.breast]
const CANCER_SURGERY = [
  admissionReason('stomach-cancer-surgery'),
  admissionReason('colon-cancer-surgery'),
  admissionReason('lung-cancer-surgery'),
  admissionReason('breast-cancer-surgery')
]
const CANCER_SURGERY_SHARE = [0.6, 0.7, 0.5, 0.85]
const CANCER_CHEMO = [
  admissionReason('stomach-cancer-chemo'),
  admissionReason('colon-cancer-chemo'),
  admissionReason('lung-cancer-chemo'),
  -1
]
const AR = {
  hf: admissionReason('hf-exacerbation'),
  copd: admissionReason('copd-exacerbation'),
  ablation: admissionReason('af-ablation'),
  kawasaki: admissionReason('kawasaki')
}

const CARE: Record<Care, number> = { clinic: 0, hospital: 1, episode: 2 }

interface ConditionTable {
  care: number
  managed: boolean
  incident: number
  metabolic: number
  risk: { index: number; odds: number }[]
  codes: Int16Array
  codeCum: Float64Array
  regimens: Int16Array[]
  regimenCum: Float64Array
}

const COND: readonly ConditionTable[] = CONDITIONS.map((c, ci) => ({
  care: CARE[c.care],
  managed: c.managed ?? false,
  incident: c.incident,
  metabolic: c.metabolic,
  risk: c.risk.map(([key, odds]) => {
    const index = condition(key)
    if (index >= ci) throw new Error(`condition ${c.key}: risk factor ${key} must come earlier`)
    return { index, odds }
  }),
  codes: Int16Array.from(c.codes.map(([code]) => icd(code))),
  codeCum: cumulative(c.codes.map(([, w]) => w)),
  regimens: c.regimens.map(([, drugs]) => Int16Array.from(drugs.map(drug))),
  regimenCum: cumulative(c.regimens.map(([w]) => w))
}))

/** Prevalence (fraction) of condition `ci` at `age` for `sex`, interpolated between 10-year bands. */
function prevalence(ci: number, age: number, sex: number): number {
  const bands = sex === SEX_M ? CONDITIONS[ci]!.men : CONDITIONS[ci]!.women
  const x = Math.min(Math.max((age - 5) / 10, 0), 9)
  const i = Math.min(Math.floor(x), 8)
  const f = x - i
  return (bands[i]! * (1 - f) + bands[i + 1]! * f) / 100
}

const AGE_CUM = cumulative(AGE_BAND_WEIGHTS)
const PREF_CUM = cumulative(PREFECTURES.map((p) => p.weight))
const PREF_SHARE = PREFECTURES.map((p) => p.weight / PREF_CUM[PREF_CUM.length - 1]!)

/** Acute problems: cumulative weights by [age group][sex][month], and the monthly visit rate. */
const ACUTE_ICD = Int16Array.from(ACUTE.map((a) => icd(a.icd)))
const ACUTE_BASE_RATE = [0.32, 0.15, 0.065, 0.085]
const ACUTE_CUM: Float64Array[][][] = []
const ACUTE_RATE: Float64Array[][] = []
for (let g = 0; g < 4; g++) {
  ACUTE_CUM.push([])
  ACUTE_RATE.push([])
  for (let sex = 0; sex < 2; sex++) {
    const cums: Float64Array[] = []
    const rates = new Float64Array(PERIOD_MONTHS)
    const baseline = ACUTE.reduce((s, a) => s + a.weights[g]! * (sex === SEX_F ? (a.female ?? 1) : 1), 0)
    for (let m = 0; m < PERIOD_MONTHS; m++) {
      const w = ACUTE.map((a) => a.weights[g]! * (sex === SEX_F ? (a.female ?? 1) : 1) * seasonFactor(a.season, m))
      cums.push(cumulative(w))
      rates[m] = (ACUTE_BASE_RATE[g]! * w.reduce((s, x) => s + x, 0)) / baseline
    }
    ACUTE_CUM[g]!.push(cums)
    ACUTE_RATE[g]!.push(rates)
  }
}
const ACUTE_DRUGS = ACUTE.map((a) => a.drugs.map(([p, keys, days]) => ({ p, drugs: keys.map(drug), days })))
const ACUTE_TEST = ACUTE.map((a) => (a.test ? { proc: procedure(a.test[0]), p: a.test[1] } : null))
const RESPIRATORY = new Set(['J06.9', 'J00', 'J02.9', 'J20.9'].map(icd))
const FLU = icd('J11.1')
const COVID = icd('U07.1')

/** Unplanned admission reasons by [age group][sex]. */
const ADMIT_CUM: Float64Array[][] = []
for (let g = 0; g < 6; g++) {
  ADMIT_CUM.push(
    [SEX_M, SEX_F].map((sex) =>
      cumulative(
        ADMISSION_REASONS.map((r) => (r.weights?.[g] ?? 0) * (sex === SEX_F ? (r.female ?? 1) : (r.male ?? 1)))
      )
    )
  )
}
const ADMIT_ICD = Int16Array.from(ADMISSION_REASONS.map((r) => icd(r.icd)))
const ADMIT_SURGERY = Int16Array.from(ADMISSION_REASONS.map((r) => (r.surgery ? procedure(r.surgery) : -1)))

const P = {
  cbc: procedure('D005'),
  chem: procedure('D007'),
  bnp: procedure('D008'),
  antigen: procedure('D012'),
  pcr: procedure('D023'),
  spiro: procedure('D200'),
  ecg: procedure('D208'),
  echo: procedure('D215'),
  dxa: procedure('D217'),
  cognitive: procedure('D285'),
  gastroscopy: procedure('D308'),
  xray: procedure('E001'),
  ct: procedure('E200'),
  mri: procedure('E202'),
  drip: procedure('G004'),
  chemoMgmt: procedure('B001-2-12'),
  dialysis: procedure('J038')
}
const D = {
  darbepoetin: drug('darbepoetin'),
  lanthanum: drug('lanthanum'),
  sevelamer: drug('sevelamer'),
  ivig: drug('ivig'),
  aspirin: drug('aspirin'),
  denosumab: drug('denosumab'),
  insulinGlargine: drug('insulin-glargine'),
  statins: new Set(['atorvastatin', 'rosuvastatin', 'pitavastatin', 'ezetimibe'].map(drug))
}
const ICD_SUSPECT_DM = icd('E11.9')
const ICD_SUSPECT_ANGINA = icd('I20.9')
const ICD_SUSPECT_ULCER = icd('K25.9')
const ICD_OSTEO_POSTMENOPAUSAL = icd('M81.0')
const ICD_CKD5 = icd('N18.5')
const ICD_CKD4 = icd('N18.4')

// ---------------------------------------------------------------------------------------------
// Facilities

interface Facilities {
  count: number
  fid: Float64Array
  type: Int8Array
  prefecture: Int8Array
  dpc: Uint8Array
  beds: Int32Array
  inHouse: Uint8Array
  /** Per prefecture: first index and count of clinics, pharmacies; hospitals with bed-weighted cumulative. */
  clinics: { start: number; count: number }[]
  pharmacies: { start: number; count: number }[]
  hospitals: { start: number; cum: Float64Array }[]
}

function buildFacilities(seed: SeedWords, patients: number): Facilities {
  const rng = new Rng(seed, STREAM_FACILITY, 0)
  const plan = PREF_SHARE.map((share) => ({
    clinics: Math.max(2, Math.round((patients * share) / 700)),
    hospitals: Math.max(1, Math.round((patients * share) / 6000)),
    pharmacies: Math.max(2, Math.round((patients * share) / 900))
  }))
  const count = plan.reduce((s, p) => s + p.clinics + p.hospitals + p.pharmacies, 0)
  const f: Facilities = {
    count,
    fid: new Float64Array(count),
    type: new Int8Array(count),
    prefecture: new Int8Array(count),
    dpc: new Uint8Array(count),
    beds: new Int32Array(count),
    inHouse: new Uint8Array(count),
    clinics: [],
    pharmacies: [],
    hospitals: []
  }
  let i = 0
  plan.forEach((p, pref) => {
    f.clinics.push({ start: i, count: p.clinics })
    for (let k = 0; k < p.clinics; k++, i++) {
      f.type[i] = FT_CLINIC
      f.prefecture[i] = pref + 1
      f.inHouse[i] = rng.chance(0.25) ? 1 : 0
    }
    const hospitalStart = i
    const bedWeights: number[] = []
    for (let k = 0; k < p.hospitals; k++, i++) {
      f.type[i] = FT_HOSPITAL
      f.prefecture[i] = pref + 1
      const dpc = rng.chance(0.5)
      f.dpc[i] = dpc ? 1 : 0
      f.beds[i] = dpc ? 200 + rng.int(61) * 10 : 50 + rng.int(26) * 10
      f.inHouse[i] = rng.chance(0.1) ? 1 : 0
      bedWeights.push(f.beds[i]!)
    }
    f.hospitals.push({ start: hospitalStart, cum: cumulative(bedWeights) })
    f.pharmacies.push({ start: i, count: p.pharmacies })
    for (let k = 0; k < p.pharmacies; k++, i++) {
      f.type[i] = FT_PHARMACY
      f.prefecture[i] = pref + 1
    }
  })
  for (let k = 0; k < count; k++) f.fid[k] = facilityNumber(seed, k)
  return f
}

// ---------------------------------------------------------------------------------------------
// Encounters: one claim per facility per month (レセプトは医療機関ごと・月ごと)

class Encounter {
  facility = 0
  type = 0
  day = 0
  points = 0
  drugYen = 0
  inHouse = false
  pharmacy = -1
  /** Wrote a prescription for an outside pharmacy (処方箋料). */
  prescribed = false
  dx: number[] = []
  dxPrimary: boolean[] = []
  dxSuspected: boolean[] = []
  procs: number[] = []
  drugs: number[] = []
  drugDays: number[] = []
  drugQty: number[] = []

  reset(facility: number, type: number, day: number, inHouse: boolean, pharmacy: number): this {
    this.facility = facility
    this.type = type
    this.day = day
    this.points = 0
    this.drugYen = 0
    this.inHouse = inHouse
    this.pharmacy = pharmacy
    this.prescribed = false
    this.dx.length = 0
    this.dxPrimary.length = 0
    this.dxSuspected.length = 0
    this.procs.length = 0
    this.drugs.length = 0
    this.drugDays.length = 0
    this.drugQty.length = 0
    return this
  }

  addDx(code: number, suspected = false): void {
    const at = this.dx.indexOf(code)
    if (at >= 0) {
      if (!suspected) this.dxSuspected[at] = false
      return
    }
    this.dx.push(code)
    this.dxPrimary.push(this.dx.length === 1 && !suspected)
    this.dxSuspected.push(suspected)
  }

  addProc(p: number, times = 1): void {
    this.points += PROCEDURES[p]!.points * times
    if (!this.procs.includes(p)) this.procs.push(p)
  }

  addDrug(d: number, days: number, quantity: number): void {
    const at = this.drugs.indexOf(d)
    const yen = DRUGS[d]!.yenPerUnit * quantity
    this.drugYen += yen
    if (at >= 0) {
      this.drugDays[at] = Math.max(this.drugDays[at]!, days)
      this.drugQty[at] = this.drugQty[at]! + quantity
      return
    }
    this.drugs.push(d)
    this.drugDays.push(days)
    this.drugQty.push(quantity)
  }
}

function quantityFor(d: number, days: number): number {
  const x = DRUGS[d]!
  if (x.schedule === 'dose') return x.units
  if (x.schedule === 'weekly') return Math.max(1, Math.round(days / 7)) * x.units
  const q = x.units * days
  return Number.isInteger(q) ? q : Math.ceil(q - 1e-9)
}

const round1 = (x: number) => Math.round(x * 10) / 10
const round2 = (x: number) => Math.round(x * 100) / 100
const clamp = (x: number, lo: number, hi: number) => (x < lo ? lo : x > hi ? hi : x)

// ---------------------------------------------------------------------------------------------

export class SyntheticGenerator {
  readonly seed: SeedWords
  readonly patients: number
  readonly facilities: Facilities
  private nextPatient = 0
  private claimSeq = 0
  private admissionSeq = 0
  private readonly rng: Rng
  private sink: RowSink = NULL_SINK

  // The current patient. Plain fields rather than closures: this runs millions of times.
  private pid = 0
  private sex = 0
  private birthAbs = 0
  private pref = 1
  private insurer = 0
  private ageMid = 0
  private z = 0
  private readonly onset = new Int16Array(NC)
  private readonly code = new Int16Array(NC)
  private readonly regimen = new Int16Array(NC)
  /** First month a condition's drugs are given (after planned surgery); 0 otherwise. */
  private readonly treatFrom = new Int16Array(NC)
  private dialysis = false
  private clinicFrom = -1
  private hospitalFrom = -1
  private hospitalInterval = 3
  private interval = 1
  private dayUnit = 28
  private clinic = -1
  private pharmacy = 0
  private hospital = 0
  private plannedMonth = -1
  private plannedReason = -1
  private readonly acute = new Int8Array(PERIOD_MONTHS)
  private readonly checkup = new Int16Array(3)
  private stayAdmit = -1
  private stayEnd = -1
  private stayReason = -1
  private stayFacility = -1
  private stayDpc = -1
  private denosumabNext = -1
  // latent lab values
  private insulin = false
  private onStatin = false
  private hba1cBase = 0
  private hba1cDm = 0
  private ldlBase = 0
  private ldlHigh = 0
  private sbpBase = 0
  private sbpHtn = 0
  private bmiBase = 0
  private egfrBase = 0
  private bnpBase = 0
  // the current month's encounters
  private readonly pool: Encounter[] = []
  private used = 0
  private readonly open: Encounter[] = []

  constructor(options: GeneratorOptions) {
    if (!Number.isInteger(options.patients) || options.patients < 1 || options.patients > MAX_PATIENTS) {
      throw new RangeError(`patients must be an integer from 1 to ${MAX_PATIENTS}: ${options.patients}`)
    }
    this.seed = seedWords(options.seed)
    this.patients = options.patients
    this.facilities = buildFacilities(this.seed, this.patients)
    this.rng = new Rng(this.seed, STREAM_PATIENT, 0)
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

  // -------------------------------------------------------------------------------------------

  private ageAt(m: number): number {
    return Math.floor((PERIOD_START_ABS + m - this.birthAbs) / 12)
  }

  private started(ci: number, m: number): boolean {
    const o = this.onset[ci]!
    return o >= 0 && o <= m
  }

  private treated(ci: number, m: number): boolean {
    return this.started(ci, m) && this.treatFrom[ci]! <= m
  }

  private dayIn(m: number): number {
    const start = MONTH_START_DAY[m]!
    return start + this.rng.int(MONTH_START_DAY[m + 1]! - start)
  }

  private randomClinic(): number {
    const c = this.facilities.clinics[this.pref - 1]!
    return c.start + this.rng.int(c.count)
  }

  private randomPharmacy(): number {
    const c = this.facilities.pharmacies[this.pref - 1]!
    return c.start + this.rng.int(c.count)
  }

  private randomHospital(): number {
    const h = this.facilities.hospitals[this.pref - 1]!
    return h.start + this.rng.pick(h.cum)
  }

  private encounter(facility: number, type: number, day: number, inHouse: boolean, pharmacy: number): Encounter {
    if (this.used === this.pool.length) this.pool.push(new Encounter())
    const e = this.pool[this.used++]!.reset(facility, type, day, inHouse, pharmacy)
    this.open.push(e)
    return e
  }

  /** This month's open claim of `type` at `facility` (claims are per facility and month). */
  private findOpen(facility: number, type: number): Encounter | undefined {
    for (const e of this.open) if (e.facility === facility && e.type === type) return e
    return undefined
  }

  /** Prescribe: in-house and administered drugs stay on the encounter; the rest go to that month's pharmacy claim. */
  private prescribe(e: Encounter, d: number, days: number): void {
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

  private demographics(): void {
    const rng = this.rng
    const band = rng.pickBinary(AGE_CUM)
    const ageAtStart = Math.min(band * 5 + rng.int(5), 104)
    this.birthAbs = PERIOD_START_ABS - ageAtStart * 12 - rng.int(12)
    this.sex = rng.chance(femaleShare(ageAtStart)) ? SEX_F : SEX_M
    this.pref = rng.pickBinary(PREF_CUM) + 1
    this.ageMid = this.ageAt(PERIOD_MONTHS >> 1)
    const ageEnd = this.ageAt(PERIOD_MONTHS - 1)
    if (ageEnd >= 75) this.insurer = INS_LLE
    else if (ageEnd >= 65) this.insurer = rng.chance(0.78) ? INS_NHI : INS_EHI
    else if (ageEnd < 20) this.insurer = rng.chance(0.85) ? INS_EHI : INS_NHI
    else this.insurer = rng.chance(0.75) ? INS_EHI : INS_NHI
    this.sink.patient(this.pid, this.sex, this.birthAbs, this.pref, this.insurer)
  }

  private conditions(): void {
    const { rng, onset, code, regimen, ageMid, sex } = this
    const z = (this.z = rng.normal())
    for (let ci = 0; ci < NC; ci++) {
      const t = COND[ci]!
      let p = prevalence(ci, ageMid, sex)
      onset[ci] = -1
      this.treatFrom[ci] = 0
      if (p <= 0) continue
      // Latent metabolic risk and earlier conditions raise the odds; dividing by the expected
      // multiplier keeps the marginal prevalence close to the table.
      if (t.metabolic) p *= Math.exp(t.metabolic * z - (t.metabolic * t.metabolic) / 2)
      for (const r of t.risk) {
        const pr = prevalence(r.index, ageMid, sex)
        p *= (onset[r.index]! >= 0 ? r.odds : 1) / (1 + (r.odds - 1) * pr)
      }
      if (!rng.chance(Math.min(p, 0.95))) continue
      onset[ci] = rng.chance(t.incident) ? 1 + rng.int(PERIOD_MONTHS - 1) : 0
      code[ci] = t.codes[rng.pick(t.codeCum)]!
      regimen[ci] = rng.pick(t.regimenCum)
    }
    if (onset[C.osteo]! >= 0 && sex === SEX_F && ageMid >= 50) code[C.osteo] = ICD_OSTEO_POSTMENOPAUSAL
    if (onset[C.kawasaki]! >= 0 && this.ageAt(onset[C.kawasaki]!) >= 6) onset[C.kawasaki] = -1
    this.dialysis = onset[C.ckd]! >= 0 && code[C.ckd] === ICD_CKD5 && rng.chance(0.6)
  }

  private care(): void {
    const { rng, onset } = this
    this.clinicFrom = -1
    this.hospitalFrom = -1
    this.hospitalInterval = 3
    for (let ci = 0; ci < NC; ci++) {
      const o = onset[ci]!
      if (o < 0) continue
      const care = COND[ci]!.care
      if (care === CARE_CLINIC && (this.clinicFrom < 0 || o < this.clinicFrom)) this.clinicFrom = o
      if (care === CARE_HOSPITAL) {
        if (this.hospitalFrom < 0 || o < this.hospitalFrom) this.hospitalFrom = o
        if (COND[ci]!.regimens[this.regimen[ci]!]!.length > 0) this.hospitalInterval = 1
      }
    }
    // Long prescriptions are common: a visit every 1, 2 or 3 months with 28- or 30-day units.
    this.interval = this.dialysis ? 1 : VISIT_INTERVALS[rng.int(VISIT_INTERVALS.length)]!
    this.dayUnit = rng.chance(0.6) ? 28 : 30
    this.clinic = this.clinicFrom >= 0 || rng.chance(0.3) ? this.randomClinic() : -1
    this.pharmacy = this.randomPharmacy()
    this.hospital = this.randomHospital()
  }

  private labBaselines(): void {
    const { rng, onset, regimen, z, ageMid, sex } = this
    const dm = onset[C.dm]! >= 0
    const htn = onset[C.htn]! >= 0
    this.insulin = dm && COND[C.dm]!.regimens[regimen[C.dm]!]!.includes(D.insulinGlargine)
    this.onStatin = onset[C.lipid]! >= 0 && COND[C.lipid]!.regimens[regimen[C.lipid]!]!.some((d) => D.statins.has(d))
    this.hba1cBase = clamp(5.4 + 0.006 * (ageMid - 40) + 0.15 * z + 0.25 * rng.normal(), 4.6, 6.3)
    this.hba1cDm = clamp(6.9 + 0.75 * rng.normal() + (this.insulin ? 0.8 : 0), 5.9, 12.5)
    this.ldlBase = 112 + (sex === SEX_F && ageMid > 50 ? 12 : 0) + 24 * rng.normal()
    this.ldlHigh = 158 + 24 * rng.normal()
    this.sbpBase = clamp(110 + 0.42 * (ageMid - 20) + 3.5 * z + 9 * rng.normal(), 92, 150)
    this.sbpHtn = clamp(137 + 0.1 * (ageMid - 60) + 10 * rng.normal(), 115, 175)
    this.bmiBase = clamp(22.3 + 1.6 * z + 2.6 * rng.normal() + (dm ? 1.8 : 0), 14.5, 42)
    let egfr = clamp(100 - 0.55 * ageMid + 11 * rng.normal() - (dm || htn ? 4 : 0), 35, 130)
    if (onset[C.ckd]! >= 0) {
      const stage = this.code[C.ckd]
      if (stage === ICD_CKD5) egfr = this.dialysis ? 4 + 5 * rng.next() : 7 + 8 * rng.next()
      else if (stage === ICD_CKD4) egfr = 15 + 14 * rng.next()
      else egfr = 30 + 29 * rng.next()
    }
    if (onset[C.fabry]! >= 0) egfr = Math.min(egfr, 40 + 40 * rng.next())
    this.egfrBase = egfr
    if (onset[C.hf]! >= 0) this.bnpBase = rng.logNormal(220, 0.7)
    else if (onset[C.pah]! >= 0) this.bnpBase = rng.logNormal(150, 0.6)
    else this.bnpBase = rng.logNormal(ageMid >= 65 ? 25 : 12, 0.6)
  }

  /** Planned admissions, acute visits and checkups, drawn up front. */
  private plan(): void {
    const { rng, onset } = this
    this.plannedMonth = -1
    this.plannedReason = -1
    // Cancer surgery soon after a diagnosis inside the period; drugs start after it.
    for (let k = 0; k < CANCERS.length; k++) {
      const ci = CANCERS[k]!
      if (onset[ci]! > 0 && rng.chance(CANCER_SURGERY_SHARE[k]!)) {
        this.plannedMonth = Math.min(PERIOD_MONTHS - 1, onset[ci]! + rng.int(2))
        this.plannedReason = CANCER_SURGERY[k]!
        this.treatFrom[ci] = this.plannedMonth + 1
      }
    }
    if (onset[C.kawasaki]! >= 0) {
      this.plannedMonth = onset[C.kawasaki]!
      this.plannedReason = AR.kawasaki
    }
    // Acute visits; everyone in a claims database has at least one claim.
    let total = 0
    for (let m = 0; m < PERIOD_MONTHS; m++) {
      const age = this.ageAt(m)
      const n = Math.min(rng.poisson(ACUTE_RATE[acuteGroup(age)]![this.sex]![m]!), 4)
      this.acute[m] = n
      total += n
    }
    if (total === 0 && this.clinicFrom < 0 && this.hospitalFrom < 0 && this.plannedMonth < 0) {
      this.acute[rng.int(PERIOD_MONTHS)] = 1
    }
    // Specific health checkups (特定健診) from age 40, once per fiscal year at most.
    const rate = this.insurer === INS_EHI ? 0.65 : this.insurer === INS_NHI ? 0.38 : 0.25
    for (let y = 0; y < 3; y++) {
      this.checkup[y] = this.ageAt(12 * y) >= 40 && rng.chance(rate) ? 12 * y + rng.int(9) : -1
    }
  }

  // -------------------------------------------------------------------------------------------
  // Labs (EHR)

  private lab(day: number, m: number, test: number): void {
    const rng = this.rng
    let v: number
    switch (test) {
      case LAB_HBA1C: {
        const dm = this.onset[C.dm]!
        const mean = dm >= 0 && dm <= m ? this.hba1cDm : dm >= 0 ? 6.3 : this.hba1cBase
        v = round1(clamp(mean + 0.2 * rng.normal(), 4.2, 14))
        break
      }
      case LAB_LDL: {
        const lipid = this.onset[C.lipid]!
        const mean = lipid >= 0 ? (lipid <= m && this.onStatin ? this.ldlHigh * 0.65 : this.ldlHigh) : this.ldlBase
        v = Math.round(clamp(mean + 10 * rng.normal(), 35, 320))
        break
      }
      case LAB_SBP: {
        const mean = this.started(C.htn, m) ? this.sbpHtn : this.sbpBase
        v = Math.round(clamp(mean + 8 * rng.normal(), 80, 220))
        break
      }
      case LAB_BMI:
        v = round1(clamp(this.bmiBase + 0.4 * rng.normal(), 13, 50))
        break
      case LAB_BNP:
        v = round1(clamp(this.bnpBase * Math.exp(0.25 * rng.normal()), 2, 5000))
        break
      default:
        throw new Error(`lab ${test} is written with its pair`)
    }
    this.sink.lab(this.pid, day, test, v)
    if (test === LAB_SBP) {
      this.sink.lab(this.pid, day, LAB_DBP, Math.round(clamp(0.55 * v + 8 + 6 * rng.normal(), 40, 130)))
    }
  }

  /** Creatinine and the eGFR computed from it with the Japanese equation (adults only). */
  private kidney(day: number, age: number): void {
    if (age < 18) return
    const target = clamp(this.egfrBase + 4 * this.rng.normal(), 3, 150)
    const k = 194 * Math.pow(age, -0.287) * (this.sex === SEX_F ? 0.739 : 1)
    const cr = Math.max(0.2, round2(Math.pow(target / k, -1 / 1.094)))
    this.sink.lab(this.pid, day, LAB_CR, cr)
    this.sink.lab(this.pid, day, LAB_EGFR, round1(k * Math.pow(cr, -1.094)))
  }

  private healthCheck(m: number): void {
    const day = this.dayIn(m)
    this.lab(day, m, LAB_SBP)
    this.lab(day, m, LAB_BMI)
    this.lab(day, m, LAB_HBA1C)
    this.lab(day, m, LAB_LDL)
    if (this.rng.chance(0.7)) this.kidney(day, this.ageAt(m))
  }

  // -------------------------------------------------------------------------------------------
  // Inpatient

  private maybeAdmit(m: number, age: number): void {
    const rng = this.rng
    let reason = -1
    if (m === this.plannedMonth) reason = this.plannedReason
    else {
      let hazard = admissionHazard(age)
      if (this.started(C.hf, m)) hazard *= 2.5
      if (this.started(C.copd, m)) hazard *= 1.6
      if (this.started(C.ckd, m)) hazard *= this.dialysis ? 2.5 : 1.4
      if (this.started(C.dementia, m)) hazard *= 1.5
      if (this.started(C.dm, m)) hazard *= 1.2
      let cancer = -1
      for (let k = 0; k < CANCERS.length; k++) if (this.treated(CANCERS[k]!, m) && CANCER_CHEMO[k]! >= 0) cancer = k
      if (cancer >= 0) hazard *= 1.5
      if (!rng.chance(hazard / 12)) return
      const u = rng.next()
      if (this.started(C.hf, m) && u < 0.5) reason = AR.hf
      else if (this.started(C.copd, m) && u < 0.35) reason = AR.copd
      else if (cancer >= 0 && u < 0.4) reason = CANCER_CHEMO[cancer]!
      else if (this.started(C.af, m) && age < 80 && u < 0.06) reason = AR.ablation
      else reason = rng.pickBinary(ADMIT_CUM[admitGroup(age)]![this.sex]!)
    }
    if (reason < 0) return
    const r = ADMISSION_REASONS[reason]!
    const f = this.facilities
    this.stayAdmit = this.dayIn(m)
    const median = age < 15 ? Math.max(2, r.los[0] * 0.5) : r.los[0]
    const discharge = this.stayAdmit + Math.max(1, Math.round(rng.logNormal(median, r.los[1])))
    this.stayEnd = Math.min(discharge, PERIOD_LAST_DAY)
    this.stayReason = reason
    this.stayFacility = this.randomHospital()
    const chemo = r.key.endsWith('-chemo')
    this.stayDpc = f.dpc[this.stayFacility] === 1 ? reason * 2 + (chemo || rng.chance(0.15) ? 1 : 0) : -1
    this.sink.admission(
      ++this.admissionSeq,
      this.pid,
      this.stayAdmit,
      discharge > PERIOD_LAST_DAY ? -1 : discharge,
      f.fid[this.stayFacility]!,
      ADMIT_ICD[reason]!,
      this.stayDpc
    )
  }

  /** The month's inpatient claim, if in hospital; returns the number of inpatient days. */
  private inpatient(m: number): number {
    const monthStart = MONTH_START_DAY[m]!
    const monthEnd = MONTH_START_DAY[m + 1]! - 1
    if (this.stayEnd < monthStart || this.stayAdmit > monthEnd) return 0
    const first = Math.max(this.stayAdmit, monthStart)
    const days = Math.min(this.stayEnd, monthEnd) - first + 1
    const reason = this.stayReason
    const e = this.encounter(this.stayFacility, this.stayDpc >= 0 ? CT_DPC : CT_INPATIENT, first, true, -1)
    e.points += days * ADMISSION_REASONS[reason]!.daily
    e.addDx(ADMIT_ICD[reason]!)
    for (let ci = 0; ci < NC && e.dx.length < 6; ci++) if (this.started(ci, m)) e.addDx(this.code[ci]!)
    if (this.stayAdmit >= monthStart) {
      const surgery = ADMIT_SURGERY[reason]!
      if (surgery >= 0) e.addProc(surgery)
      if (this.rng.chance(0.4)) e.addProc(P.cbc)
      e.addProc(P.chem)
      e.addProc(this.rng.chance(0.5) ? P.ct : P.xray)
      if (reason === AR.kawasaki) {
        e.addDrug(D.ivig, 1, quantityFor(D.ivig, 1))
        e.addDrug(D.aspirin, 14, 14)
        e.addProc(P.echo)
        e.addProc(P.drip)
      }
    }
    return days
  }

  // -------------------------------------------------------------------------------------------
  // Outpatient

  private clinicVisit(m: number, age: number): void {
    const { rng, clinicFrom, interval } = this
    if (clinicFrom < 0 || m < clinicFrom || (m - clinicFrom) % interval !== 0 || rng.chance(0.05)) return
    const day = this.dayIn(m)
    const clinic = this.clinic
    const e = this.encounter(clinic, CT_OUTPATIENT, day, this.facilities.inHouse[clinic] === 1, this.pharmacy)
    e.points += m === clinicFrom && clinicFrom > 0 ? 291 : 127
    const days = interval * this.dayUnit
    if (this.dialysis) {
      e.addDx(this.code[C.ckd]!)
      e.addProc(P.dialysis, 13)
      e.addDrug(D.darbepoetin, 30, quantityFor(D.darbepoetin, 30))
      this.prescribe(e, rng.chance(0.5) ? D.lanthanum : D.sevelamer, days)
    }
    let managed = false
    for (let ci = 0; ci < NC; ci++) {
      const t = COND[ci]!
      if (t.care !== CARE_CLINIC || !this.started(ci, m)) continue
      e.addDx(this.code[ci]!)
      managed ||= t.managed
      for (const d of t.regimens[this.regimen[ci]!]!) {
        if (d === D.denosumab) {
          if (m >= this.denosumabNext) {
            e.addDrug(d, 183, 1)
            this.denosumabNext = m + 6
          }
        } else if (DRUGS[d]!.schedule === 'dose') e.addDrug(d, 30, quantityFor(d, 30))
        else this.prescribe(e, d, days)
      }
    }
    if (managed) e.points += 225 // 特定疾患療養管理料
    const since = m - clinicFrom
    const yearly = since % 12 < interval
    const dm = this.started(C.dm, m)
    if (since % 3 < interval || dm) {
      if (rng.chance(0.4)) e.addProc(P.cbc)
      e.addProc(P.chem)
      if (dm || rng.chance(0.25)) this.lab(day, m, LAB_HBA1C)
      if (this.started(C.htn, m) || dm || this.started(C.ckd, m) || this.started(C.hf, m) || rng.chance(0.3)) {
        this.kidney(day, age)
      }
      if (this.started(C.lipid, m) || dm || rng.chance(0.25)) this.lab(day, m, LAB_LDL)
      // Suspected diagnoses (疑い病名) written to justify tests.
      if (rng.chance(0.07)) {
        const u = rng.next()
        if (!dm && u < 0.4) e.addDx(ICD_SUSPECT_DM, true)
        else if (u < 0.75) {
          e.addDx(ICD_SUSPECT_ANGINA, true)
          e.addProc(P.ecg)
        } else {
          e.addDx(ICD_SUSPECT_ULCER, true)
          if (rng.chance(0.5)) e.addProc(P.gastroscopy)
        }
      }
    }
    if (this.started(C.hf, m) && since % 3 < interval) {
      e.addProc(P.bnp)
      this.lab(day, m, LAB_BNP)
    }
    if (rng.chance(this.started(C.htn, m) ? 0.6 : 0.2)) this.lab(day, m, LAB_SBP)
    if (dm && yearly) this.lab(day, m, LAB_BMI)
    if (yearly) {
      if (this.started(C.htn, m) || this.started(C.af, m) || this.started(C.hf, m)) e.addProc(P.ecg)
      if (this.started(C.hf, m)) e.addProc(P.echo)
      if (this.started(C.copd, m)) e.addProc(P.spiro)
      if (this.started(C.osteo, m)) e.addProc(P.dxa)
      if (this.started(C.dementia, m)) e.addProc(P.cognitive)
    }
  }

  /** Hospital outpatient department: cancer follow-up and treatment, rare diseases. */
  private hospitalVisit(m: number, age: number): void {
    const { rng, hospitalFrom, hospitalInterval, hospital } = this
    if (hospitalFrom < 0 || m < hospitalFrom || (m - hospitalFrom) % hospitalInterval !== 0) return
    const day = this.dayIn(m)
    const e = this.encounter(hospital, CT_OUTPATIENT, day, this.facilities.inHouse[hospital] === 1, this.pharmacy)
    e.points += m === hospitalFrom && hospitalFrom > 0 ? 291 : 75
    if (rng.chance(0.5)) e.addProc(P.cbc)
    e.addProc(P.chem)
    for (let ci = 0; ci < NC; ci++) {
      const t = COND[ci]!
      if (t.care !== CARE_HOSPITAL || !this.started(ci, m)) continue
      e.addDx(this.code[ci]!)
      const cancer = CANCERS.includes(ci)
      if (cancer && rng.chance(0.3)) e.addProc(P.ct)
      if (!this.treated(ci, m)) continue
      for (const d of t.regimens[this.regimen[ci]!]!) {
        if (DRUGS[d]!.schedule === 'dose') {
          e.addDrug(d, 28, quantityFor(d, 28))
          e.addProc(P.drip, 2)
          if (cancer) e.addProc(P.chemoMgmt)
        } else this.prescribe(e, d, hospitalInterval * 28)
      }
    }
    if (this.started(C.fabry, m)) this.kidney(day, age)
    if (this.started(C.pah, m)) {
      e.addProc(P.bnp)
      this.lab(day, m, LAB_BNP)
      if (rng.chance(0.25)) e.addProc(P.echo)
    }
    if (this.started(C.als, m) && rng.chance(0.15)) e.addProc(P.mri)
  }

  /** Two monthly visits after Kawasaki disease: low-dose aspirin and echocardiography. */
  private kawasakiFollowUp(m: number): void {
    const onset = this.onset[C.kawasaki]!
    if (onset < 0 || m <= onset || m > onset + 2) return
    const hospital = this.hospital
    let e = this.findOpen(hospital, CT_OUTPATIENT)
    if (!e) {
      e = this.encounter(hospital, CT_OUTPATIENT, this.dayIn(m), this.facilities.inHouse[hospital] === 1, this.pharmacy)
      e.points += 75
    }
    e.addDx(this.code[C.kawasaki]!)
    e.addProc(P.echo)
    this.prescribe(e, D.aspirin, 28)
  }

  private acuteVisits(m: number, age: number): void {
    const rng = this.rng
    const g = acuteGroup(age)
    for (let k = 0; k < this.acute[m]!; k++) {
      const a = rng.pick(ACUTE_CUM[g]![this.sex]![m]!)
      const atRegular = this.clinic >= 0 && rng.chance(0.4)
      const facility = atRegular ? this.clinic : this.randomClinic()
      let e = this.findOpen(facility, CT_OUTPATIENT)
      if (!e) {
        const pharmacy = atRegular || rng.chance(0.5) ? this.pharmacy : this.randomPharmacy()
        e = this.encounter(facility, CT_OUTPATIENT, this.dayIn(m), this.facilities.inHouse[facility] === 1, pharmacy)
        e.points += atRegular ? 75 : 291
      }
      const problem = ACUTE_ICD[a]!
      e.addDx(problem)
      const test = ACUTE_TEST[a]
      if (test && rng.chance(test.p)) e.addProc(test.proc)
      // Respiratory symptoms in a flu or COVID-19 season: tested, and the suspicion recorded.
      if (RESPIRATORY.has(problem)) {
        if (FLU_SEASON[m]! && rng.chance(0.3)) {
          e.addDx(FLU, true)
          e.addProc(P.antigen)
        } else if (COVID_WAVE[m]! && rng.chance(0.3)) {
          e.addDx(COVID, true)
          e.addProc(rng.chance(0.4) ? P.pcr : P.antigen)
        }
      }
      const u = rng.next()
      let acc = 0
      for (const option of ACUTE_DRUGS[a]!) {
        acc += option.p
        if (u < acc) {
          for (const d of option.drugs) this.prescribe(e, d, option.days)
          break
        }
      }
    }
  }

  /** Write this month's encounters as claims, in the order they were opened. */
  private flushMonth(m: number): void {
    const { sink, pid } = this
    const fid = this.facilities.fid
    for (const e of this.open) {
      if (e.type === CT_PHARMACY) {
        // 調剤基本料 + 服薬管理指導料 + 薬剤調製料 per preparation, plus the drugs.
        e.points = 90 + 24 * Math.min(3, e.drugs.length) + e.drugYen / 10
      } else {
        if (e.prescribed) e.points += 68 // 処方箋料
        if (e.drugs.length > 0) e.points += (e.type === CT_OUTPATIENT ? 42 : 0) + e.drugYen / 10
      }
      const seq = ++this.claimSeq
      sink.claim(seq, pid, m, e.type, fid[e.facility]!, Math.max(1, Math.round(e.points)))
      for (let i = 0; i < e.dx.length; i++) sink.diagnosis(seq, pid, e.dx[i]!, e.dxPrimary[i]!, e.dxSuspected[i]!)
      for (const p of e.procs) sink.procedure(seq, pid, p)
      for (let i = 0; i < e.drugs.length; i++) sink.drug(seq, pid, e.drugs[i]!, e.drugDays[i]!, e.drugQty[i]!)
    }
  }
}

const CARE_CLINIC = CARE.clinic
const CARE_HOSPITAL = CARE.hospital
const VISIT_INTERVALS = [1, 1, 1, 2, 2, 2, 2, 3, 3, 3]
const FLU_SEASON = Uint8Array.from({ length: PERIOD_MONTHS }, (_, m) => (seasonFactor('flu', m) >= 1 ? 1 : 0))
const COVID_WAVE = Uint8Array.from({ length: PERIOD_MONTHS }, (_, m) => (seasonFactor('covid', m) >= 2 ? 1 : 0))

function acuteGroup(age: number): number {
  return age <= 5 ? 0 : age <= 14 ? 1 : age <= 64 ? 2 : 3
}

function admitGroup(age: number): number {
  return age < 15 ? 0 : age < 40 ? 1 : age < 65 ? 2 : age < 75 ? 3 : age < 85 ? 4 : 5
}

/** Annual probability of an unplanned admission by age. */
function admissionHazard(age: number): number {
  return age < 1 ? 0.08 : age < 5 ? 0.04 : age < 40 ? 0.015 : age < 65 ? 0.03 : age < 75 ? 0.07 : age < 85 ? 0.12 : 0.18
}

const noop = () => {}
const NULL_SINK: RowSink = {
  facility: noop,
  patient: noop,
  claim: noop,
  diagnosis: noop,
  procedure: noop,
  drug: noop,
  admission: noop,
  lab: noop
}
