import { describe, expect, it } from 'vitest'
import type { CertificationRow } from '../store/types.js'
import { dayIn, isCalendarDate } from './calendar.js'
import { certificationState, eligibility } from './eligibility.js'

const cert = (over: Partial<CertificationRow> = {}): CertificationRow => ({
  id: 'c',
  organizationId: 'o',
  number: 'T2-0042',
  validFrom: '2025-04-01',
  validTo: '2026-03-31',
  status: 'active',
  ...over
})
const project = { title: 'P', startDate: '2025-04-01', endDate: '2027-03-31' }
const researcher = { status: 'active' as const, roles: ['researcher' as const] }

describe('eligibility', () => {
  it('names the certification and the day it expired', () => {
    const e = eligibility({
      user: researcher,
      organizationName: 'Org',
      certification: cert(),
      projects: [project],
      today: '2026-04-01'
    })
    expect(e).toEqual({ canWork: false, reasons: ['certification T2-0042 expired on 2026-03-31'] })
  })

  it('counts the last day of validity as valid', () => {
    expect(certificationState(cert(), '2026-03-31')).toBe('valid')
    expect(certificationState(cert(), '2025-03-31')).toBe('not_yet_valid')
  })

  it('puts suspension and revocation before dates', () => {
    expect(certificationState(cert({ status: 'suspended' }), '2025-06-01')).toBe('suspended')
    expect(certificationState(cert({ status: 'revoked' }), '2030-01-01')).toBe('revoked')
  })

  it('refuses a researcher with no current project and says which projects are out of dates', () => {
    const e = eligibility({
      user: researcher,
      organizationName: 'Org',
      certification: cert({ validTo: '2030-01-01' }),
      projects: [{ title: 'Old', startDate: '2020-01-01', endDate: '2021-01-01' }],
      today: '2026-04-01'
    })
    expect(e.reasons).toEqual(['none of your projects is running today (Old: 2020-01-01 to 2021-01-01)'])
    expect(
      eligibility({
        user: researcher,
        organizationName: 'Org',
        certification: cert({ validTo: '2030-01-01' }),
        projects: [],
        today: '2026-04-01'
      }).reasons
    ).toEqual(['you are not a member of any research project'])
  })

  it('gives every reason at once', () => {
    const e = eligibility({
      user: { ...researcher, status: 'suspended' },
      organizationName: 'Org',
      certification: null,
      projects: [],
      today: '2026-04-01'
    })
    expect(e.reasons).toHaveLength(3)
  })

  it('lets a certified member of a current project work', () => {
    expect(
      eligibility({
        user: researcher,
        organizationName: 'Org',
        certification: cert(),
        projects: [project],
        today: '2026-01-15'
      })
    ).toEqual({
      canWork: true,
      reasons: []
    })
  })
})

describe('calendar', () => {
  it('takes the day in the configured zone, not UTC', () => {
    // 2026-03-31 20:00 UTC is already April 1st in Tokyo
    expect(dayIn(new Date('2026-03-31T20:00:00Z'), 'Asia/Tokyo')).toBe('2026-04-01')
    expect(dayIn(new Date('2026-03-31T20:00:00Z'), 'UTC')).toBe('2026-03-31')
  })

  it('rejects impossible dates', () => {
    expect(isCalendarDate('2026-02-29')).toBe(false)
    expect(isCalendarDate('2028-02-29')).toBe(true)
    expect(isCalendarDate('2026-1-01')).toBe(false)
  })
})
