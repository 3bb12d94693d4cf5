import {
  ADMISSION_REASONS,
  CT_DPC,
  CT_INPATIENT,
  CT_OUTPATIENT,
  CT_PHARMACY,
  DRUGS,
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
  SEX_F
} from './reference.js'
import {
  NC,
  C,
  CANCERS,
  CANCER_CHEMO,
  AR,
  COND,
  ACUTE_ICD,
  ACUTE_CUM,
  ACUTE_DRUGS,
  ACUTE_TEST,
  RESPIRATORY,
  FLU,
  COVID,
  ADMIT_CUM,
  ADMIT_ICD,
  ADMIT_SURGERY,
  P,
  D,
  ICD_SUSPECT_DM,
  ICD_SUSPECT_ANGINA,
  ICD_SUSPECT_ULCER,
  CARE_CLINIC,
  CARE_HOSPITAL,
  FLU_SEASON,
  COVID_WAVE,
  acuteGroup,
  admitGroup,
  admissionHazard
} from './clinical-tables.js'
import { quantityFor, round1, round2, clamp } from './encounter.js'
import { PatientProfile } from './patient-profile.js'

/** Month by month: labs, health checks, admissions, visits and acute problems, written out as claims. */
export abstract class MonthlyCare extends PatientProfile {
  // -------------------------------------------------------------------------------------------
  // Labs (EHR)

  protected lab(day: number, m: number, test: number): void {
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
  protected kidney(day: number, age: number): void {
    if (age < 18) return
    const target = clamp(this.egfrBase + 4 * this.rng.normal(), 3, 150)
    const k = 194 * Math.pow(age, -0.287) * (this.sex === SEX_F ? 0.739 : 1)
    const cr = Math.max(0.2, round2(Math.pow(target / k, -1 / 1.094)))
    this.sink.lab(this.pid, day, LAB_CR, cr)
    this.sink.lab(this.pid, day, LAB_EGFR, round1(k * Math.pow(cr, -1.094)))
  }

  protected healthCheck(m: number): void {
    const day = this.dayIn(m)
    this.lab(day, m, LAB_SBP)
    this.lab(day, m, LAB_BMI)
    this.lab(day, m, LAB_HBA1C)
    this.lab(day, m, LAB_LDL)
    if (this.rng.chance(0.7)) this.kidney(day, this.ageAt(m))
  }

  // -------------------------------------------------------------------------------------------
  // Inpatient

  protected maybeAdmit(m: number, age: number): void {
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
  protected inpatient(m: number): number {
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

  protected clinicVisit(m: number, age: number): void {
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
  protected hospitalVisit(m: number, age: number): void {
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
  protected kawasakiFollowUp(m: number): void {
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

  protected acuteVisits(m: number, age: number): void {
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
  protected flushMonth(m: number): void {
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
