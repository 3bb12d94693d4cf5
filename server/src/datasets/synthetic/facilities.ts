/** The facilities of a synthetic dataset: clinics, pharmacies and hospitals per prefecture, scaled to its size. */
import { cumulative, Rng, type SeedWords } from './prng.js'
import { FT_CLINIC, FT_HOSPITAL, FT_PHARMACY } from './reference.js'
import { STREAM_FACILITY, facilityNumber } from './identifiers.js'
import { PREF_SHARE } from './clinical-tables.js'

export interface Facilities {
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

export function buildFacilities(seed: SeedWords, patients: number): Facilities {
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
