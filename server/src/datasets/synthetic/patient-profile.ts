import { femaleShare, INS_EHI, INS_LLE, INS_NHI, PERIOD_MONTHS, PERIOD_START_ABS, SEX_F, SEX_M } from './reference.js'
import {
  NC,
  C,
  CANCERS,
  CANCER_SURGERY,
  CANCER_SURGERY_SHARE,
  AR,
  COND,
  prevalence,
  AGE_CUM,
  PREF_CUM,
  ACUTE_RATE,
  D,
  ICD_OSTEO_POSTMENOPAUSAL,
  ICD_CKD5,
  ICD_CKD4,
  CARE_CLINIC,
  CARE_HOSPITAL,
  VISIT_INTERVALS,
  acuteGroup
} from './clinical-tables.js'
import { clamp } from './encounter.js'
import { PatientState } from './patient-state.js'

/** What is drawn once per patient: who they are, their conditions, where they are cared for, their plan. */
export abstract class PatientProfile extends PatientState {
  protected demographics(): void {
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

  protected conditions(): void {
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

  protected care(): void {
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

  protected labBaselines(): void {
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
  protected plan(): void {
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
}
