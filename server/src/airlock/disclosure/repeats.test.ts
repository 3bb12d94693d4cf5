import { describe, expect, it } from 'vitest'
import { repeatsRule } from './repeats.js'

const a = 'a'.repeat(64)
const b = 'b'.repeat(64)

describe('repeats rule', () => {
  it('flags bytes released before under any name, for review', () => {
    const r = repeatsRule(a, { earlierReleases: [{ name: 'old-name.csv', sha256: a.toUpperCase() }] })
    expect(r.outcome).toBe('review')
    expect(r.message).toContain('"old-name.csv"')
  })

  it('passes bytes never released', () => {
    expect(repeatsRule(a, { earlierReleases: [{ name: 'x.csv', sha256: b }] }).outcome).toBe('pass')
    expect(repeatsRule(a, {}).outcome).toBe('pass')
  })
})
