import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { hashEnrolmentToken, newEnrolment, newLinkHalf, newSecondHalf } from './links.js'

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex')
const at = new Date('2026-04-01T00:00:00.000Z')

describe('enrolment links', () => {
  it('stores a single link as the SHA-256 of its token', () => {
    const { row, link } = newEnrolment('u1', 'account', 'admin', at, 'https://vre.test/')
    const token = link.url.split('#')[1]!
    expect(link.url).toMatch(/^https:\/\/vre\.test\/enrol#[A-Za-z0-9_-]{43}$/)
    expect(row.tokenHash).toBe(sha256(token))
    expect(hashEnrolmentToken(token)).toBe(row.tokenHash)
    expect(row.expiresAt).toBe('2026-04-02T00:00:00.000Z')
  })

  it('splits a privileged link in two: the row accepts only both parts, in order, made from part 1’s hash alone', () => {
    const first = newLinkHalf('https://vre.test')
    expect(first.issued).toMatchObject({ part: 1, page: 'https://vre.test/enrol', expiresAt: null })
    expect(first.hash).toBe(sha256(first.issued.half))
    const second = newSecondHalf(first.hash, 'u1', 'reset', 'admin2', at, 'https://vre.test')
    expect(second.issued).toMatchObject({
      part: 2,
      page: 'https://vre.test/enrol',
      expiresAt: '2026-04-02T00:00:00.000Z'
    })
    const [p1, p2] = [first.issued.half, second.issued.half]
    expect(hashEnrolmentToken(`${p1}.${p2}`)).toBe(second.row.tokenHash)
    for (const wrong of [p1, p2, `${p2}.${p1}`, `${p1}${p2}`])
      expect(hashEnrolmentToken(wrong)).not.toBe(second.row.tokenHash)
    // what is stored reveals neither part
    expect(JSON.stringify(second.row)).not.toContain(p1)
    expect(JSON.stringify(second.row)).not.toContain(p2)
  })
})
