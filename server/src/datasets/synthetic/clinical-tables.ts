/**
 * Tables the generator reads on every patient, computed once from the reference lists: condition
 * indexes, prevalence by age and sex, cumulative weights for acute problems and admissions.
 */
import { cumulative } from './prng.js'
import {
  ACUTE,
  ADMISSION_REASONS,
  AGE_BAND_WEIGHTS,
  admissionReason,
  type Care,
  CONDITIONS,
  condition,
  drug,
  icd,
  PERIOD_MONTHS,
  PREFECTURES,
  procedure,
  SEX_F,
  SEX_M,
  seasonFactor
} from './reference.js'

export const NC = CONDITIONS.length
export const C = {
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
export const CANCERS = [C.stomach, C.colon, C.lung, C.breast]
export const CANCER_SURGERY = [
  admissionReason('stomach-cancer-surgery'),
  admissionReason('colon-cancer-surgery'),
  admissionReason('lung-cancer-surgery'),
  admissionReason('breast-cancer-surgery')
]
export const CANCER_SURGERY_SHARE = [0.6, 0.7, 0.5, 0.85]
export const CANCER_CHEMO = [
  admissionReason('stomach-cancer-chemo'),
  admissionReason('colon-cancer-chemo'),
  admissionReason('lung-cancer-chemo'),
  -1
]
export const AR = {
  hf: admissionReason('hf-exacerbation'),
  copd: admissionReason('copd-exacerbation'),
  ablation: admissionReason('af-ablation'),
  kawasaki: admissionReason('kawasaki')
}

export const CARE: Record<Care, number> = { clinic: 0, hospital: 1, episode: 2 }

export interface ConditionTable {
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

export const COND: readonly ConditionTable[] = CONDITIONS.map((c, ci) => ({
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
export function prevalence(ci: number, age: number, sex: number): number {
  const bands = sex === SEX_M ? CONDITIONS[ci]!.men : CONDITIONS[ci]!.women
  const x = Math.min(Math.max((age - 5) / 10, 0), 9)
  const i = Math.min(Math.floor(x), 8)
  const f = x - i
  return (bands[i]! * (1 - f) + bands[i + 1]! * f) / 100
}

export const AGE_CUM = cumulative(AGE_BAND_WEIGHTS)
export const PREF_CUM = cumulative(PREFECTURES.map((p) => p.weight))
export const PREF_SHARE = PREFECTURES.map((p) => p.weight / PREF_CUM[PREF_CUM.length - 1]!)

/** Acute problems: cumulative weights by [age group][sex][month], and the monthly visit rate. */
export const ACUTE_ICD = Int16Array.from(ACUTE.map((a) => icd(a.icd)))
export const ACUTE_BASE_RATE = [0.32, 0.15, 0.065, 0.085]
export const ACUTE_CUM: Float64Array[][][] = []
export const ACUTE_RATE: Float64Array[][] = []
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
export const ACUTE_DRUGS = ACUTE.map((a) => a.drugs.map(([p, keys, days]) => ({ p, drugs: keys.map(drug), days })))
export const ACUTE_TEST = ACUTE.map((a) => (a.test ? { proc: procedure(a.test[0]), p: a.test[1] } : null))
export const RESPIRATORY = new Set(['J06.9', 'J00', 'J02.9', 'J20.9'].map(icd))
export const FLU = icd('J11.1')
export const COVID = icd('U07.1')

/** Unplanned admission reasons by [age group][sex]. */
export const ADMIT_CUM: Float64Array[][] = []
for (let g = 0; g < 6; g++) {
  ADMIT_CUM.push(
    [SEX_M, SEX_F].map((sex) =>
      cumulative(
        ADMISSION_REASONS.map((r) => (r.weights?.[g] ?? 0) * (sex === SEX_F ? (r.female ?? 1) : (r.male ?? 1)))
      )
    )
  )
}
export const ADMIT_ICD = Int16Array.from(ADMISSION_REASONS.map((r) => icd(r.icd)))
export const ADMIT_SURGERY = Int16Array.from(ADMISSION_REASONS.map((r) => (r.surgery ? procedure(r.surgery) : -1)))

export const P = {
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
export const D = {
  darbepoetin: drug('darbepoetin'),
  lanthanum: drug('lanthanum'),
  sevelamer: drug('sevelamer'),
  ivig: drug('ivig'),
  aspirin: drug('aspirin'),
  denosumab: drug('denosumab'),
  insulinGlargine: drug('insulin-glargine'),
  statins: new Set(['atorvastatin', 'rosuvastatin', 'pitavastatin', 'ezetimibe'].map(drug))
}
export const ICD_SUSPECT_DM = icd('E11.9')
export const ICD_SUSPECT_ANGINA = icd('I20.9')
export const ICD_SUSPECT_ULCER = icd('K25.9')
export const ICD_OSTEO_POSTMENOPAUSAL = icd('M81.0')
export const ICD_CKD5 = icd('N18.5')
export const ICD_CKD4 = icd('N18.4')

export const CARE_CLINIC = CARE.clinic
export const CARE_HOSPITAL = CARE.hospital
export const VISIT_INTERVALS = [1, 1, 1, 2, 2, 2, 2, 3, 3, 3]
export const FLU_SEASON = Uint8Array.from({ length: PERIOD_MONTHS }, (_, m) => (seasonFactor('flu', m) >= 1 ? 1 : 0))
export const COVID_WAVE = Uint8Array.from({ length: PERIOD_MONTHS }, (_, m) => (seasonFactor('covid', m) >= 2 ? 1 : 0))

export function acuteGroup(age: number): number {
  return age <= 5 ? 0 : age <= 14 ? 1 : age <= 64 ? 2 : 3
}

export function admitGroup(age: number): number {
  return age < 15 ? 0 : age < 40 ? 1 : age < 65 ? 2 : age < 75 ? 3 : age < 85 ? 4 : 5
}

/** Annual probability of an unplanned admission by age. */
export function admissionHazard(age: number): number {
  return age < 1 ? 0.08 : age < 5 ? 0.04 : age < 40 ? 0.015 : age < 65 ? 0.03 : age < 75 ? 0.07 : age < 85 ? 0.12 : 0.18
}
