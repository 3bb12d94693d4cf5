/**
 * The web app's page for an enrolment link (server/src/enrolment/links.ts): `/enrol#<token>`. A
 * reviewer's or administrator's link comes in two parts from two administrators, and its token is
 * `<part1>.<part2>`.
 */
export const ENROLMENT_PATH = '/enrol'

const PART = '[A-Za-z0-9_-]{20,100}'
const TOKEN = new RegExp(`^${PART}(\\.${PART})?$`)

/**
 * The token of the enrolment link this page was opened with, or undefined when it was not opened
 * as one (null: opened as one, without a token: the person enters it, or its two parts). The
 * token is read from the fragment, which no request carries, then taken out of the address bar
 * and the history.
 */
export function takeEnrolmentToken(): string | null | undefined {
  if (window.location.pathname !== ENROLMENT_PATH) return undefined
  const token = window.location.hash.slice(1)
  window.history.replaceState(null, '', ENROLMENT_PATH)
  return TOKEN.test(token) ? token : null
}

/** What was pasted for one part: the token after a link's `#`, without spaces or line breaks. */
const cleaned = (pasted: string): string => {
  const text = pasted.replace(/\s+/g, '')
  return text.includes('#') ? text.slice(text.indexOf('#') + 1) : text
}

/**
 * The token from what the person entered: a whole link (or token) in the first field, or the two
 * parts they were sent, one in each (either field may hold a whole link too). Null when what was
 * entered can't be a token.
 */
export function tokenFromParts(first: string, second: string): string | null {
  const a = cleaned(first)
  const b = cleaned(second)
  const token = b === '' ? a : a === '' ? b : `${a.replace(/\.$/, '')}.${b.replace(/^\./, '')}`
  return TOKEN.test(token) ? token : null
}

/** Leaves the enrolment page for the app's start. */
export function leaveEnrolment(): void {
  window.history.replaceState(null, '', '/')
}
