/** One claim being built: an encounter at a facility in a month, with its diagnoses, procedures and drugs. */
import { DRUGS, PROCEDURES } from './reference.js'

export class Encounter {
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

export function quantityFor(d: number, days: number): number {
  const x = DRUGS[d]!
  if (x.schedule === 'dose') return x.units
  if (x.schedule === 'weekly') return Math.max(1, Math.round(days / 7)) * x.units
  const q = x.units * days
  return Number.isInteger(q) ? q : Math.ceil(q - 1e-9)
}

export const round1 = (x: number) => Math.round(x * 10) / 10
export const round2 = (x: number) => Math.round(x * 100) / 100
export const clamp = (x: number, lo: number, hi: number) => (x < lo ? lo : x > hi ? hi : x)
