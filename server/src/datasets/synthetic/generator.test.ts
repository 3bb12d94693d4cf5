import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import {
  formatClaimId,
  formatFacilityId,
  formatPersonId,
  type RowSink,
  SyntheticGenerator,
  type GeneratorOptions
} from './generator.js'
import {
  CLAIM_TYPES,
  DRUGS,
  ICD10,
  LAB_TESTS,
  MONTH_START_DAY,
  PERIOD_FIRST_DAY,
  PERIOD_LAST_DAY,
  PERIOD_START_ABS
} from './reference.js'

interface Rows {
  facilities: [number, number, number, boolean, number][]
  patients: [number, number, number, number, number][]
  claims: [number, number, number, number, number, number][]
  diagnoses: [number, number, number, boolean, boolean][]
  procedures: [number, number, number][]
  drugs: [number, number, number, number, number][]
  admissions: [number, number, number, number, number, number, number][]
  labs: [number, number, number, number][]
}

function collect(options: GeneratorOptions, batch = 1000): Rows {
  const rows: Rows = {
    facilities: [],
    patients: [],
    claims: [],
    diagnoses: [],
    procedures: [],
    drugs: [],
    admissions: [],
    labs: []
  }
  const sink: RowSink = {
    facility: (...r) => void rows.facilities.push(r),
    patient: (...r) => void rows.patients.push(r),
    claim: (...r) => void rows.claims.push(r),
    diagnosis: (...r) => void rows.diagnoses.push(r),
    procedure: (...r) => void rows.procedures.push(r),
    drug: (...r) => void rows.drugs.push(r),
    admission: (...r) => void rows.admissions.push(r),
    lab: (...r) => void rows.labs.push(r)
  }
  const g = new SyntheticGenerator(options)
  g.emitFacilities(sink)
  while (!g.done) g.emitPatients(batch, sink)
  return rows
}

const digest = (rows: Rows) => createHash('sha256').update(JSON.stringify(rows)).digest('hex')

const small = collect({ patients: 2000, seed: 7 })

describe('SyntheticGenerator', () => {
  it('is deterministic: same seed and size, same rows in the same order, whatever the batch size', () => {
    expect(digest(collect({ patients: 2000, seed: 7 }, 333))).toBe(digest(small))
    expect(digest(collect({ patients: 2000, seed: 8 }))).not.toBe(digest(small))
    expect(digest(collect({ patients: 2000, seed: 'seven' }))).not.toBe(digest(small))
  })

  it('refuses sizes out of range', () => {
    expect(() => new SyntheticGenerator({ patients: 0, seed: 1 })).toThrow(RangeError)
    expect(() => new SyntheticGenerator({ patients: 1.5, seed: 1 })).toThrow(RangeError)
  })

  it('gives each patient a unique, non-sequential pseudonymous id', () => {
    const ids = small.patients.map(([pid]) => formatPersonId(pid))
    expect(new Set(ids).size).toBe(ids.length)
    for (const id of ids) expect(id).toMatch(/^P[0-9A-F]{12}$/)
    const sorted = [...small.patients.map(([pid]) => pid)]
    const ascending = sorted.every((v, i) => i === 0 || v > sorted[i - 1]!)
    expect(ascending).toBe(false)
    expect(formatFacilityId(small.facilities[0]![0])).toMatch(/^F[0-9A-F]{8}$/)
    expect(formatClaimId(12)).toBe('C0000000012')
  })

  it('keeps birth months before the period and ages plausible', () => {
    const bad = small.patients.filter(
      ([, sex, birth, pref, insurer]) =>
        birth > PERIOD_START_ABS ||
        PERIOD_START_ABS - birth >= 106 * 12 ||
        (sex !== 0 && sex !== 1) ||
        pref < 1 ||
        pref > 47 ||
        insurer < 0 ||
        insurer > 2
    )
    expect(bad).toEqual([])
  })

  it('references only persons, claims and facilities it has emitted', () => {
    const persons = new Set(small.patients.map(([pid]) => pid))
    const facilities = new Set(small.facilities.map(([fid]) => fid))
    const claimPerson = new Map<number, number>()
    const problems: string[] = []
    small.claims.forEach(([seq, pid, month, type, fid, points], i) => {
      if (seq !== i + 1) problems.push(`claim ${i}: seq ${seq}`)
      if (!persons.has(pid) || !facilities.has(fid)) problems.push(`claim ${seq}: unknown person or facility`)
      if (month < 0 || month >= 36 || type >= CLAIM_TYPES.length) problems.push(`claim ${seq}: month or type`)
      if (!Number.isInteger(points) || points <= 0) problems.push(`claim ${seq}: points ${points}`)
      claimPerson.set(seq, pid)
    })
    for (const [seq, pid] of [...small.diagnoses, ...small.procedures, ...small.drugs]) {
      if (claimPerson.get(seq) !== pid) problems.push(`row of claim ${seq}: person`)
    }
    for (const [seq, pid, admit, discharge, fid] of small.admissions) {
      if (!persons.has(pid) || !facilities.has(fid)) problems.push(`admission ${seq}: unknown person or facility`)
      if (admit < PERIOD_FIRST_DAY || admit > PERIOD_LAST_DAY) problems.push(`admission ${seq}: admitted ${admit}`)
      if (discharge !== -1 && discharge <= admit) problems.push(`admission ${seq}: discharged ${discharge}`)
    }
    for (const [pid, day] of small.labs) {
      if (!persons.has(pid) || day < PERIOD_FIRST_DAY || day > PERIOD_LAST_DAY) problems.push(`lab of ${pid} on ${day}`)
    }
    expect(problems.slice(0, 10)).toEqual([])
  })

  it('gives every patient at least one claim', () => {
    const withClaims = new Set(small.claims.map(([, pid]) => pid))
    expect(withClaims.size).toBe(small.patients.length)
  })

  it('writes one claim per facility and month, pharmacy claims without diagnoses, at most one primary', () => {
    const keys = new Set<string>()
    const types = new Map<number, number>()
    const problems: string[] = []
    for (const [seq, pid, month, type, fid] of small.claims) {
      const key = `${pid}/${month}/${fid}/${type}`
      if (keys.has(key)) problems.push(`claim ${seq}: second claim for ${key}`)
      keys.add(key)
      types.set(seq, type)
    }
    const primaries = new Map<number, number>()
    for (const [seq, , , primary, suspected] of small.diagnoses) {
      if (types.get(seq) === 3) problems.push(`pharmacy claim ${seq} has a diagnosis`)
      if (primary && suspected) problems.push(`claim ${seq}: suspected primary`)
      if (primary) primaries.set(seq, (primaries.get(seq) ?? 0) + 1)
    }
    for (const [seq, n] of primaries) if (n !== 1) problems.push(`claim ${seq}: ${n} primaries`)
    expect(problems.slice(0, 10)).toEqual([])
  })

  it('prescribes drugs consistent with diagnoses', () => {
    const dx = new Map<number, Set<string>>()
    for (const [, pid, icd, , suspected] of small.diagnoses) {
      if (suspected) continue
      const code = ICD10[icd]!.code
      const s = dx.get(pid) ?? new Set<string>()
      s.add(code.slice(0, 3))
      dx.set(pid, s)
    }
    const needs: [RegExp, string[]][] = [
      [/^A10B[AH]|^A10A/, ['E11']], // metformin, DPP-4 inhibitors, insulin
      [/^B01AF|^B01AA/, ['I48']], // DOACs, warfarin
      [/^C10AA/, ['E78']], // statins
      [/^N06D/, ['F03', 'G30']], // anti-dementia drugs
      [/^A16A/, ['E75']], // Fabry disease
      [/^C02KX/, ['I27']] // endothelin receptor antagonists
    ]
    let checked = 0
    const unexplained: string[] = []
    for (const [seq, pid, d] of small.drugs) {
      const atc = DRUGS[d]!.atc
      for (const [pattern, codes] of needs) {
        if (!pattern.test(atc)) continue
        checked++
        if (!codes.some((c) => dx.get(pid)?.has(c))) unexplained.push(`claim ${seq}: ${DRUGS[d]!.genericName}`)
      }
    }
    expect(checked).toBeGreaterThan(1000)
    expect(unexplained.slice(0, 10)).toEqual([])
  })

  it('makes lab values plausible and correlated with conditions', () => {
    const dm = new Set<number>()
    const ckd = new Set<number>()
    for (const [, pid, icd, , suspected] of small.diagnoses) {
      const code = ICD10[icd]!.code
      if (!suspected && code.startsWith('E11')) dm.add(pid)
      if (!suspected && code.startsWith('N18')) ckd.add(pid)
    }
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length
    const values = (test: string, include: (pid: number) => boolean) => {
      const t = LAB_TESTS.findIndex((x) => x.code === test)
      return small.labs.filter(([pid, , code]) => code === t && include(pid)).map(([, , , v]) => v)
    }
    const hba1cDm = values('HbA1c', (p) => dm.has(p))
    const hba1cOther = values('HbA1c', (p) => !dm.has(p))
    expect(mean(hba1cDm)).toBeGreaterThan(mean(hba1cOther) + 1)
    expect(mean(hba1cOther)).toBeGreaterThan(5.2)
    expect(mean(hba1cOther)).toBeLessThan(6)
    const egfrCkd = values('eGFR', (p) => ckd.has(p))
    const egfrOther = values('eGFR', (p) => !ckd.has(p))
    expect(mean(egfrCkd)).toBeLessThan(mean(egfrOther) - 20)
    const ranges: Record<string, [number, number]> = {
      HbA1c: [4, 15],
      Cr: [0.2, 15],
      eGFR: [2, 200],
      LDL: [30, 330],
      SBP: [80, 220],
      DBP: [40, 130],
      BMI: [12, 50],
      BNP: [1, 5000]
    }
    const outside = small.labs.filter(([, , test, value]) => {
      const [lo, hi] = ranges[LAB_TESTS[test]!.code]!
      return !(value >= lo && value <= hi)
    })
    expect(outside.slice(0, 10)).toEqual([])
  })

  it('keeps month boundaries consistent', () => {
    expect(MONTH_START_DAY.length).toBe(37)
    expect(new Date(PERIOD_FIRST_DAY * 86_400_000).toISOString().slice(0, 10)).toBe('2022-04-01')
    expect(new Date(PERIOD_LAST_DAY * 86_400_000).toISOString().slice(0, 10)).toBe('2025-03-31')
  })
})
