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
        ADMISSION_REASONS.map(
          (r) => (r.weights?.[g] ?? 0) * (sex === SEX_F ? (r.female ?? 1) : (r.male ?? 1)) + (r.weights ? 1e-9 : 0)
        )
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

  // per-patient scratch
  private readonly onset = new Int16Array(NC)
  private readonly code = new Int16Array(NC)
  private readonly regimen = new Int16Array(NC)
  private readonly pool: Encounter[] = []
  private used = 0
  private readonly open: Encounter[] = []
  private readonly acuteCount = new Int8Array(PERIOD_MONTHS)

  constructor(options: GeneratorOptions) {
    if (!Number.isInteger(options.patients) || options.patients < 1 || options.patients > MAX_PATIENTS) {
      throw new RangeError(`patients must be an integer from 1 to ${MAX_PATIENTS}: ${options.patients}`)
    }
    this.seed = seedWords(options.seed)
    this.patients = options.patients
    this.facilities = buildFacilities(this.seed, this.patients)
    this.rng = new Rng(this.seed, STREAM_PATIENT, 0)
  }

  /** Rows generated so far. */
  get counts(): { patients: number; claims: number; admissions: number } {
    return { patients: this.nextPatient, claims: this.claimSeq, admissions: this.admissionSeq }
  }

  emitFacilities(sink: RowSink): void {
    const f = this.facilities
    for (let i = 0; i < f.count; i++)
      f.fid[i] && sink.facility(f.fid[i]!, f.type[i]!, f.prefecture[i]!, f.dpc[i] === 1, f.beds[i]!)
  }

  /** Generate the next `count` patients (in order; call repeatedly until `done`). Returns how many were generated. */
  emitPatients(count: number, sink: RowSink): number {
    const end = Math.min(this.patients, this.nextPatient + count)
    const n = end - this.nextPatient
    for (let i = this.nextPatient; i < end; i++) this.simulate(i, sink)
    this.nextPatient = end
    return n
  }

  get done(): boolean {
    return this.nextPatient >= this.patients
  }

  // -------------------------------------------------------------------------------------------

  private encounter(facility: number, type: number, day: number, inHouse: boolean, pharmacy: number): Encounter {
    if (this.used === this.pool.length) this.pool.push(new Encounter())
    const e = this.pool[this.used++]!.reset(facility, type, day, inHouse, pharmacy)
    this.open.push(e)
    return e
  }

  private findOpen(facility: number): Encounter | undefined {
    for (const e of this.open) if (e.facility === facility) return e
    return undefined
  }

  private randomClinic(pref: number): number {
    const c = this.facilities.clinics[pref - 1]!
    return c.start + this.rng.int(c.count)
  }

  private randomPharmacy(pref: number): number {
    const c = this.facilities.pharmacies[pref - 1]!
    return c.start + this.rng.int(c.count)
  }

  private randomHospital(pref: number): number {
    const h = this.facilities.hospitals[pref - 1]!
    return h.start + this.rng.pick(h.cum)
  }

  /** Prescribe: in-house drugs stay on the encounter; the rest go to that month's pharmacy claim. */
  private prescribe(e: Encounter, d: number, days: number): void {
    const quantity = quantityFor(d, days)
    if (e.inHouse || DRUGS[d]!.schedule === 'dose' || e.pharmacy < 0) {
      e.addDrug(d, days, quantity)
      return
    }
    const ph = this.findOpen(e.pharmacy) ?? this.encounter(e.pharmacy, CT_PHARMACY, e.day, true, -1)
    ph.addDrug(d, days, quantity)
    e.prescribed = true
  }

  private simulate(index: number, sink: RowSink): void {
    const rng = this.rng
    rng.reseed(this.seed, STREAM_PATIENT, index)
    const pid = personNumber(this.seed, index)
    const f = this.facilities

    // --- demographics
    const band = rng.pickBinary(AGE_CUM)
    const ageAtStart = Math.min(band * 5 + rng.int(5), 104)
    const birthAbs = PERIOD_START_ABS - ageAtStart * 12 - rng.int(12)
    const ageAt = (m: number) => Math.floor((PERIOD_START_ABS + m - birthAbs) / 12)
    const sex = rng.chance(femaleShare(ageAtStart)) ? SEX_F : SEX_M
    const pref = rng.pickBinary(PREF_CUM) + 1
    const ageMid = ageAt(PERIOD_MONTHS >> 1)
    const ageEnd = ageAt(PERIOD_MONTHS - 1)
    let insurer: number
    if (ageEnd >= 75) insurer = INS_LLE
    else if (ageEnd >= 65) insurer = rng.chance(0.78) ? INS_NHI : INS_EHI
    else if (ageEnd < 20) insurer = rng.chance(0.85) ? INS_EHI : INS_NHI
    else insurer = rng.chance(0.75) ? INS_EHI : INS_NHI
    sink.patient(pid, sex, birthAbs, pref, insurer)

    // --- conditions
    const z = rng.normal()
    const onset = this.onset
    const code = this.code
    const regimen = this.regimen
    for (let ci = 0; ci < NC; ci++) {
      const t = COND[ci]!
      let p = prevalence(ci, ageMid, sex)
      onset[ci] = -1
      if (p <= 0) continue
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
    if (onset[C.kawasaki]! >= 0 && ageAt(onset[C.kawasaki]!) >= 6) onset[C.kawasaki] = -1
    const dialysis = onset[C.ckd]! >= 0 && code[C.ckd] === ICD_CKD5 && rng.chance(0.6)

    // --- care arrangements
    let clinicFrom = -1
    let hospitalFrom = -1
    let hospitalInterval = 3
    for (let ci = 0; ci < NC; ci++) {
      if (onset[ci]! < 0) continue
      const care = COND[ci]!.care
      if (care === 0 && (clinicFrom < 0 || onset[ci]! < clinicFrom)) clinicFrom = onset[ci]!
      if (care === 1) {
        if (hospitalFrom < 0 || onset[ci]! < hospitalFrom) hospitalFrom = onset[ci]!
        if (CONDITIONS[ci]!.regimens[regimen[ci]!]![1].length > 0) hospitalInterval = 1
      }
    }
    const interval = dialysis ? 1 : [1, 1, 1, 2, 2, 2, 2, 3, 3, 3][rng.int(10)]!
    const dayUnit = rng.chance(0.6) ? 28 : 30
    const clinic = clinicFrom >= 0 || rng.chance(0.3) ? this.randomClinic(pref) : -1
    const pharmacy = this.randomPharmacy(pref)
    const hospital = this.randomHospital(pref)
    const missRate = 0.05

    // --- planned admissions: cancer surgery soon after an in-period diagnosis, Kawasaki at onset
    let plannedMonth = -1
    let plannedReason = -1
    let treatFrom = new Int16Array(0)
    for (let k = 0; k < CANCERS.length; k++) {
      const ci = CANCERS[k]!
      if (onset[ci]! > 0 && rng.chance(CANCER_SURGERY_SHARE[k]!)) {
        plannedMonth = Math.min(PERIOD_MONTHS - 1, onset[ci]! + rng.int(2))
        plannedReason = CANCER_SURGERY[k]!
        if (treatFrom.length === 0) treatFrom = new Int16Array(NC).fill(-1)
        treatFrom[ci] = plannedMonth + 1
      }
    }
    if (onset[C.kawasaki]! >= 0) {
      plannedMonth = onset[C.kawasaki]!
      plannedReason = AR.kawasaki
    }
    const started = (ci: number, m: number) => onset[ci]! >= 0 && onset[ci]! <= m
    const treated = (ci: number, m: number) => started(ci, m) && (treatFrom.length === 0 || treatFrom[ci]! <= m)

    // --- latent lab values
    const dmStart = onset[C.dm]!
    const insulin = dmStart >= 0 && CONDITIONS[C.dm]!.regimens[regimen[C.dm]!]![1].includes('insulin-glargine')
    const hba1cBase = clamp(5.4 + 0.006 * (ageMid - 40) + 0.15 * z + 0.25 * rng.normal(), 4.6, 6.3)
    const hba1cDm = clamp(6.9 + 0.75 * rng.normal() + (insulin ? 0.8 : 0), 5.9, 12.5)
    const lipidStart = onset[C.lipid]!
    const onStatin =
      lipidStart >= 0 && CONDITIONS[C.lipid]!.regimens[regimen[C.lipid]!]![1].some((k) => D.statins.has(drug(k)))
    const ldlBase = 112 + (sex === SEX_F && ageMid > 50 ? 12 : 0) + 24 * rng.normal()
    const ldlHigh = 158 + 24 * rng.normal()
    const htnStart = onset[C.htn]!
    const sbpBase = clamp(110 + 0.42 * (ageMid - 20) + 3.5 * z + 9 * rng.normal(), 92, 150)
    const sbpHtn = clamp(137 + 0.1 * (ageMid - 60) + 10 * rng.normal(), 115, 175)
    const bmiBase = clamp(22.3 + 1.6 * z + 2.6 * rng.normal() + (dmStart >= 0 ? 1.8 : 0), 14.5, 42)
    let egfrBase = clamp(100 - 0.55 * ageMid + 11 * rng.normal() - (dmStart >= 0 || htnStart >= 0 ? 4 : 0), 35, 130)
    if (onset[C.ckd]! >= 0) {
      const stage = code[C.ckd]
      egfrBase =
        stage === ICD_CKD5
          ? dialysis
            ? 4 + 5 * rng.next()
            : 7 + 8 * rng.next()
          : stage === ICD_CKD4
            ? 15 + 14 * rng.next()
            : 30 + 29 * rng.next()
    }
    if (onset[C.fabry]! >= 0) egfrBase = Math.min(egfrBase, 40 + 40 * rng.next())
    const bnpBase =
      onset[C.hf]! >= 0
        ? rng.logNormal(220, 0.7)
        : onset[C.pah]! >= 0
          ? rng.logNormal(150, 0.6)
          : rng.logNormal(ageMid >= 65 ? 25 : 12, 0.6)

    const lab = (day: number, m: number, test: number) => {
      let v: number
      switch (test) {
        case LAB_HBA1C:
          v = round1(
            clamp(
              (dmStart >= 0 && dmStart <= m ? hba1cDm : dmStart >= 0 ? 6.3 : hba1cBase) + 0.2 * rng.normal(),
              4.2,
              14
            )
          )
          break
        case LAB_LDL:
          v = Math.round(
            clamp(
              (lipidStart >= 0 ? (lipidStart <= m && onStatin ? ldlHigh * 0.65 : ldlHigh) : ldlBase) +
                10 * rng.normal(),
              35,
              320
            )
          )
          break
        case LAB_SBP:
          v = Math.round(clamp((htnStart >= 0 && htnStart <= m ? sbpHtn : sbpBase) + 8 * rng.normal(), 80, 220))
          break
        case LAB_BMI:
          v = round1(clamp(bmiBase + 0.4 * rng.normal(), 13, 50))
          break
        case LAB_BNP:
          v = round1(clamp(bnpBase * Math.exp(0.25 * rng.normal()), 2, 5000))
          break
        default:
          throw new Error(`lab ${test} is written by its pair`)
      }
      sink.lab(pid, day, test, v)
      if (test === LAB_SBP) {
        sink.lab(pid, day, LAB_DBP, Math.round(clamp(0.55 * v + 8 + 6 * rng.normal(), 40, 130)))
      }
    }
    const kidney = (day: number, age: number) => {
      if (age < 18) return
      const target = clamp(egfrBase + 4 * rng.normal(), 3, 150)
      const k = 194 * Math.pow(age, -0.287) * (sex === SEX_F ? 0.739 : 1)
      const cr = Math.max(0.2, round2(Math.pow(target / k, -1 / 1.094)))
      sink.lab(pid, day, LAB_CR, cr)
      sink.lab(pid, day, LAB_EGFR, round1(k * Math.pow(cr, -1.094)))
    }

    // --- acute visits are planned up front so that everyone has at least one claim
    const acute = this.acuteCount
    let acuteTotal = 0
    for (let m = 0; m < PERIOD_MONTHS; m++) {
      const age = ageAt(m)
      const g = age <= 5 ? 0 : age <= 14 ? 1 : age <= 64 ? 2 : 3
      acute[m] = Math.min(rng.poisson(ACUTE_RATE[g]![sex]![m]!), 4)
      acuteTotal += acute[m]!
    }
    if (acuteTotal === 0 && clinicFrom < 0 && hospitalFrom < 0 && plannedMonth < 0) acute[rng.int(PERIOD_MONTHS)] = 1

    // --- checkup months (特定健診): one chance per fiscal year from age 40
    const checkupRate = insurer === INS_EHI ? 0.65 : insurer === INS_NHI ? 0.38 : 0.25
    const checkup = [-1, -1, -1]
    for (let y = 0; y < 3; y++) if (ageAt(12 * y) >= 40 && rng.chance(checkupRate)) checkup[y] = 12 * y + rng.int(9)

    // --- the months
    let stayAdmit = -1
    let stayEnd = -1 // last inpatient day inside the period
    let stayReason = -1
    let stayFacility = -1
    let stayDpc = -1
    let denosumabNext = -1

    for (let m = 0; m < PERIOD_MONTHS; m++) {
      const age = ageAt(m)
      const monthStart = MONTH_START_DAY[m]!
      const monthDays = MONTH_START_DAY[m + 1]! - monthStart
      const dayIn = () => monthStart + rng.int(monthDays)
      this.used = 0
      this.open.length = 0
      let inpatientDays = 0

      // admissions
      if (stayEnd < monthStart) {
        let reason = -1
        if (m === plannedMonth) reason = plannedReason
        else {
          let hazard =
            age < 1
              ? 0.08
              : age < 5
                ? 0.04
                : age < 40
                  ? 0.015
                  : age < 65
                    ? 0.03
                    : age < 75
                      ? 0.07
                      : age < 85
                        ? 0.12
                        : 0.18
          if (started(C.hf, m)) hazard *= 2.5
          if (started(C.copd, m)) hazard *= 1.6
          if (started(C.ckd, m)) hazard *= dialysis ? 2.5 : 1.4
          if (started(C.dementia, m)) hazard *= 1.5
          if (started(C.dm, m)) hazard *= 1.2
          let cancer = -1
          for (let k = 0; k < CANCERS.length; k++) if (treated(CANCERS[k]!, m) && CANCER_CHEMO[k]! >= 0) cancer = k
          if (cancer >= 0) hazard *= 1.5
          if (rng.chance(hazard / 12)) {
            const u = rng.next()
            if (started(C.hf, m) && u < 0.5) reason = AR.hf
            else if (started(C.copd, m) && u < 0.35) reason = AR.copd
            else if (cancer >= 0 && u < 0.4) reason = CANCER_CHEMO[cancer]!
            else if (started(C.af, m) && age < 80 && u < 0.06) reason = AR.ablation
            else {
              const g = age < 15 ? 0 : age < 40 ? 1 : age < 65 ? 2 : age < 75 ? 3 : age < 85 ? 4 : 5
              reason = rng.pickBinary(ADMIT_CUM[g]![sex]!)
            }
          }
        }
        if (reason >= 0) {
          const r = ADMISSION_REASONS[reason]!
          stayAdmit = dayIn()
          const median = age < 15 ? Math.max(2, r.los[0] * 0.5) : r.los[0]
          const los = Math.max(1, Math.round(rng.logNormal(median, r.los[1])))
          const discharge = stayAdmit + los
          stayEnd = Math.min(discharge, PERIOD_LAST_DAY)
          stayReason = reason
          stayFacility = this.randomHospital(pref)
          const isDpc = f.dpc[stayFacility] === 1
          const chemo = r.key.endsWith('-chemo')
          stayDpc = isDpc ? reason * 2 + (chemo || rng.chance(0.15) ? 1 : 0) : -1
          sink.admission(
            ++this.admissionSeq,
            pid,
            stayAdmit,
            discharge > PERIOD_LAST_DAY ? -1 : discharge,
            f.fid[stayFacility]!,
            ADMIT_ICD[reason]!,
            stayDpc
          )
        }
      }
      if (stayEnd >= monthStart && stayAdmit < monthStart + monthDays) {
        const first = Math.max(stayAdmit, monthStart)
        const last = Math.min(stayEnd, monthStart + monthDays - 1)
        inpatientDays = last - first + 1
        const r = ADMISSION_REASONS[stayReason]!
        const e = this.encounter(stayFacility, stayDpc >= 0 ? CT_DPC : CT_INPATIENT, first, true, -1)
        e.points += inpatientDays * r.daily
        e.addDx(ADMIT_ICD[stayReason]!)
        for (let ci = 0; ci < NC && e.dx.length < 6; ci++) if (started(ci, m)) e.addDx(code[ci]!)
        if (stayAdmit >= monthStart) {
          const s = ADMIT_SURGERY[stayReason]!
          if (s >= 0) e.addProc(s)
          e.addProc(P.cbc)
          e.addProc(P.chem)
          if (rng.chance(0.5)) e.addProc(P.ct)
          else e.addProc(P.xray)
          if (stayReason === AR.kawasaki) {
            e.addDrug(D.ivig, 1, quantityFor(D.ivig, 1))
            e.addDrug(D.aspirin, 14, 14)
            e.addProc(P.echo)
            e.addProc(P.drip)
          }
        }
      }

      // regular clinic visit
      if (
        clinicFrom >= 0 &&
        m >= clinicFrom &&
        (m - clinicFrom) % interval === 0 &&
        inpatientDays < 16 &&
        !rng.chance(missRate)
      ) {
        const day = dayIn()
        const e = this.encounter(clinic, CT_OUTPATIENT, day, f.inHouse[clinic] === 1, pharmacy)
        e.points += m === clinicFrom && clinicFrom > 0 ? 291 : 127
        const days = interval * dayUnit
        if (dialysis) {
          e.addDx(code[C.ckd]!)
          e.addProc(P.dialysis, 13)
          e.addDrug(D.darbepoetin, 30, quantityFor(D.darbepoetin, 30))
          this.prescribe(e, rng.chance(0.5) ? D.lanthanum : D.sevelamer, days)
        }
        let managed = false
        for (let ci = 0; ci < NC; ci++) {
          if (COND[ci]!.care !== 0 || !started(ci, m)) continue
          e.addDx(code[ci]!)
          managed ||= COND[ci]!.managed
          for (const d of COND[ci]!.regimens[regimen[ci]!]!) {
            if (d === D.denosumab) {
              if (m >= denosumabNext) {
                e.addDrug(d, 183, 1)
                denosumabNext = m + 6
              }
              continue
            }
            if (DRUGS[d]!.schedule === 'dose') e.addDrug(d, 30, quantityFor(d, 30))
            else this.prescribe(e, d, days)
          }
        }
        if (managed) e.points += 225
        const sinceFirst = m - clinicFrom
        const yearly = sinceFirst % 12 < interval
        const bloods = sinceFirst % 3 < interval || started(C.dm, m)
        if (bloods) {
          e.addProc(P.cbc)
          e.addProc(P.chem)
          if (started(C.dm, m) || rng.chance(0.25)) lab(day, m, LAB_HBA1C)
          if (started(C.htn, m) || started(C.dm, m) || started(C.ckd, m) || started(C.hf, m) || rng.chance(0.3))
            kidney(day, age)
          if (started(C.lipid, m) || started(C.dm, m) || rng.chance(0.25)) lab(day, m, LAB_LDL)
          if (rng.chance(0.07)) {
            const u = rng.next()
            if (!started(C.dm, m) && u < 0.4) e.addDx(ICD_SUSPECT_DM, true)
            else if (u < 0.75) {
              e.addDx(ICD_SUSPECT_ANGINA, true)
              e.addProc(P.ecg)
            } else {
              e.addDx(ICD_SUSPECT_ULCER, true)
              if (rng.chance(0.5)) e.addProc(P.gastroscopy)
            }
          }
        }
        if (started(C.hf, m) && sinceFirst % 3 < interval) {
          e.addProc(P.bnp)
          lab(day, m, LAB_BNP)
        }
        if (started(C.htn, m) || rng.chance(0.5)) lab(day, m, LAB_SBP)
        if (started(C.dm, m) && yearly) lab(day, m, LAB_BMI)
        if (yearly) {
          if (started(C.htn, m) || started(C.af, m) || started(C.hf, m)) e.addProc(P.ecg)
          if (started(C.hf, m)) e.addProc(P.echo)
          if (started(C.copd, m)) e.addProc(P.spiro)
          if (started(C.osteo, m)) e.addProc(P.dxa)
          if (started(C.dementia, m)) e.addProc(P.cognitive)
        }
      }

      // hospital outpatient (cancer follow-up and treatment, rare diseases)
      if (hospitalFrom >= 0 && m >= hospitalFrom && (m - hospitalFrom) % hospitalInterval === 0 && inpatientDays < 16) {
        const day = dayIn()
        const e = this.encounter(hospital, CT_OUTPATIENT, day, f.inHouse[hospital] === 1, pharmacy)
        e.points += m === hospitalFrom && hospitalFrom > 0 ? 291 : 75
        e.addProc(P.cbc)
        e.addProc(P.chem)
        for (let ci = 0; ci < NC; ci++) {
          if (COND[ci]!.care !== 1 || !started(ci, m)) continue
          e.addDx(code[ci]!)
          if (!treated(ci, m)) continue
          for (const d of COND[ci]!.regimens[regimen[ci]!]!) {
            if (DRUGS[d]!.schedule === 'dose') {
              e.addDrug(d, 28, quantityFor(d, 28))
              e.addProc(P.drip, 2)
              if (CANCERS.includes(ci)) e.addProc(P.chemoMgmt)
            } else this.prescribe(e, d, hospitalInterval * 28)
          }
          if (CANCERS.includes(ci) && rng.chance(0.3)) e.addProc(P.ct)
        }
        if (started(C.fabry, m)) kidney(day, age)
        if (started(C.pah, m)) {
          e.addProc(P.bnp)
          lab(day, m, LAB_BNP)
          if (rng.chance(0.25)) e.addProc(P.echo)
        }
        if (started(C.als, m) && rng.chance(0.15)) e.addProc(P.mri)
      }

      // Kawasaki follow-up: two monthly visits with low-dose aspirin and echocardiography
      const kawasaki = onset[C.kawasaki]!
      if (kawasaki >= 0 && m > kawasaki && m <= kawasaki + 2) {
        const e = this.encounter(hospital, CT_OUTPATIENT, dayIn(), f.inHouse[hospital] === 1, pharmacy)
        e.points += 75
        e.addDx(code[C.kawasaki]!)
        e.addProc(P.echo)
        this.prescribe(e, D.aspirin, 28)
      }

      // acute problems
      for (let k = 0; k < acute[m]!; k++) {
        const g = age <= 5 ? 0 : age <= 14 ? 1 : age <= 64 ? 2 : 3
        const a = rng.pick(ACUTE_CUM[g]![sex]![m]!)
        const atRegular = clinic >= 0 && rng.chance(0.4)
        const facility = atRegular ? clinic : this.randomClinic(pref)
        let e = this.findOpen(facility)
        if (!e) {
          const toPharmacy = atRegular || rng.chance(0.5) ? pharmacy : this.randomPharmacy(pref)
          e = this.encounter(facility, CT_OUTPATIENT, dayIn(), f.inHouse[facility] === 1, toPharmacy)
          e.points += atRegular ? 75 : 291
        }
        const problem = ACUTE_ICD[a]!
        e.addDx(problem)
        const test = ACUTE_TEST[a]
        if (test && rng.chance(test.p)) e.addProc(test.proc)
        if (RESPIRATORY.has(problem)) {
          if (seasonFactor('flu', m) >= 1 && rng.chance(0.3)) {
            e.addDx(FLU, true)
            e.addProc(P.antigen)
          } else if (seasonFactor('covid', m) >= 2 && rng.chance(0.3)) {
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

      // health checkup (labs only; checkups are not insurance claims)
      if (checkup[0] === m || checkup[1] === m || checkup[2] === m) {
        const day = dayIn()
        lab(day, m, LAB_SBP)
        lab(day, m, LAB_BMI)
        lab(day, m, LAB_HBA1C)
        lab(day, m, LAB_LDL)
        if (rng.chance(0.7)) kidney(day, age)
      }

      this.flushMonth(pid, m, sink)
    }
  }

  /** Write this month's encounters as claims, in the order they were opened. */
  private flushMonth(pid: number, m: number, sink: RowSink): void {
    const f = this.facilities
    for (const e of this.open) {
      if (e.type === CT_PHARMACY) {
        const n = e.drugs.length
        e.points = 90 + 24 * Math.min(3, n) + e.drugYen / 10
      } else if (e.prescribed) {
        e.points += 68
      }
      if (e.type !== CT_PHARMACY && e.drugs.length > 0) {
        e.points += e.type === CT_OUTPATIENT ? 42 + e.drugYen / 10 : e.drugYen / 10
      }
      const seq = ++this.claimSeq
      sink.claim(seq, pid, m, e.type, f.fid[e.facility]!, Math.max(1, Math.round(e.points)))
      for (let i = 0; i < e.dx.length; i++) sink.diagnosis(seq, pid, e.dx[i]!, e.dxPrimary[i]!, e.dxSuspected[i]!)
      for (const p of e.procs) sink.procedure(seq, pid, p)
      for (let i = 0; i < e.drugs.length; i++) sink.drug(seq, pid, e.drugs[i]!, e.drugDays[i]!, e.drugQty[i]!)
    }
  }
}
