import { createHash, randomBytes } from 'node:crypto'
import type { EnrolmentPurpose, EnrolmentRow } from '../store/enrolments.js'

/** How long an enrolment link works. */
export const ENROLMENT_HOURS = 24

/** The web app's page for a link; the token rides in the fragment, which browsers never send to a server or a log. */
export const ENROLMENT_PATH = '/enrol'

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex')

/** 32 random bytes: a token, or one part of a split one, that can't be guessed. */
const newToken = (): string => randomBytes(32).toString('base64url')

/**
 * What is stored of a token: its SHA-256. A split token (`<part1>.<part2>`, see newLinkHalf) is
 * stored as the SHA-256 of part 1's hash joined to part 2, so it can be recorded when part 2 is
 * made, from part 1's hash alone; using it still needs both parts.
 */
export function hashEnrolmentToken(token: string): string {
  const dot = token.indexOf('.')
  return dot < 0 ? sha256(token) : joinedHash(sha256(token.slice(0, dot)), token.slice(dot + 1))
}

const joinedHash = (firstHalfHash: string, secondHalf: string): string => sha256(`${firstHalfHash}.${secondHalf}`)

/** What an administrator (or the operator) hands to the person: the link and when it stops working. */
export interface IssuedEnrolment {
  url: string
  expiresAt: string
}

/**
 * One of the two parts of a reviewer's or administrator's link (split knowledge): the asking
 * administrator is shown part 1 when they ask, the approving one part 2 when they approve, each
 * to send to the person on their own. The person enters both on the enrolment page; one alone
 * opens nothing.
 */
export interface IssuedHalf {
  part: 1 | 2
  half: string
  /** the enrolment page, where the person enters both parts */
  page: string
  /** when the link stops working; null for part 1, as the link is made only at the approval */
  expiresAt: string | null
}

const pageOf = (baseUrl: string): string => `${baseUrl.replace(/\/+$/, '')}${ENROLMENT_PATH}`

function enrolmentRow(
  tokenHash: string,
  userId: string,
  purpose: EnrolmentPurpose,
  issuedBy: string,
  at: Date
): EnrolmentRow {
  return {
    tokenHash,
    userId,
    purpose,
    issuedBy,
    createdAt: at.toISOString(),
    expiresAt: new Date(at.getTime() + ENROLMENT_HOURS * 3_600_000).toISOString(),
    totpSecretSealed: null,
    usedAt: null,
    revokedAt: null
  }
}

/**
 * A new single-use link for `userId`: the row to store (the token only as its hash) and the link
 * to hand over. The token is all the link needs.
 */
export function newEnrolment(
  userId: string,
  purpose: EnrolmentPurpose,
  issuedBy: string,
  at: Date,
  baseUrl: string
): { row: EnrolmentRow; link: IssuedEnrolment } {
  const token = newToken()
  const row = enrolmentRow(hashEnrolmentToken(token), userId, purpose, issuedBy, at)
  return { row, link: { url: `${pageOf(baseUrl)}#${token}`, expiresAt: row.expiresAt } }
}

/** Part 1 of a split link, made when an administrator asks: shown to them, kept only as its hash. */
export function newLinkHalf(baseUrl: string): { issued: IssuedHalf; hash: string } {
  const half = newToken()
  return { issued: { part: 1, half, page: pageOf(baseUrl), expiresAt: null }, hash: sha256(half) }
}

/**
 * Part 2 of a split link, made when a second administrator approves, and the link's row: it
 * accepts only `<part1>.<part2>`, part 1 known here by its hash alone.
 */
export function newSecondHalf(
  firstHalfHash: string,
  userId: string,
  purpose: EnrolmentPurpose,
  issuedBy: string,
  at: Date,
  baseUrl: string
): { row: EnrolmentRow; issued: IssuedHalf } {
  const half = newToken()
  const row = enrolmentRow(joinedHash(firstHalfHash, half), userId, purpose, issuedBy, at)
  return { row, issued: { part: 2, half, page: pageOf(baseUrl), expiresAt: row.expiresAt } }
}
