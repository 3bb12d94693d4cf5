import { drug, icd, procedure } from './reference.js'

/** Receives generated rows. Identifiers are numbers; `format*` in identifiers.ts turns them into strings. */
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

const noop = () => {}
/** Where rows go between calls, so a stray write is dropped rather than kept. */
export const NULL_SINK: RowSink = {
  facility: noop,
  patient: noop,
  claim: noop,
  diagnosis: noop,
  procedure: noop,
  drug: noop,
  admission: noop,
  lab: noop
}
