import { describe, expect, it } from 'vitest'
import { tokenFromParts } from './link'

// the page reading its own address (takeEnrolmentToken) is covered by the browser tests; here the
// part a person types or pastes
const PART1 = 'Ab3_dE-fGh1JkLmNoPqRsT'
const PART2 = 'zYxWvUtSrQpOnMlKjIhG_-9'

describe('the token from what was entered', () => {
  it('takes a token of one part as it is', () => {
    expect(tokenFromParts(PART1, '')).toBe(PART1)
    expect(tokenFromParts('', PART1)).toBe(PART1)
  })

  it('takes the token after the # of a whole link, in either field', () => {
    expect(tokenFromParts(`https://vre.example.org/enrol#${PART1}`, '')).toBe(PART1)
    expect(tokenFromParts('', `https://vre.example.org/enrol#${PART1}.${PART2}`)).toBe(`${PART1}.${PART2}`)
  })

  it('joins two parts with one dot, whether or not a part already carries it', () => {
    expect(tokenFromParts(PART1, PART2)).toBe(`${PART1}.${PART2}`)
    expect(tokenFromParts(`${PART1}.`, PART2)).toBe(`${PART1}.${PART2}`)
    expect(tokenFromParts(PART1, `.${PART2}`)).toBe(`${PART1}.${PART2}`)
    expect(tokenFromParts(`/enrol#${PART1}`, `/enrol#${PART2}`)).toBe(`${PART1}.${PART2}`)
  })

  it('drops spaces and line breaks a mail or a chat put into a pasted part', () => {
    expect(tokenFromParts(` ${PART1.slice(0, 10)}\r\n${PART1.slice(10)} `, `\t${PART2}\n`)).toBe(`${PART1}.${PART2}`)
  })

  it('refuses what cannot be a token', () => {
    expect(tokenFromParts('', '')).toBeNull()
    expect(tokenFromParts('short', '')).toBeNull()
    expect(tokenFromParts('a'.repeat(101), '')).toBeNull()
    expect(tokenFromParts(`${PART1}!`, '')).toBeNull()
    expect(tokenFromParts(`${PART1}.${PART2}`, PART2)).toBeNull()
    expect(tokenFromParts('トークン'.repeat(6), '')).toBeNull()
  })

  it('takes parts of 20 to 100 characters', () => {
    expect(tokenFromParts('a'.repeat(20), 'b'.repeat(100))).toBe(`${'a'.repeat(20)}.${'b'.repeat(100)}`)
    expect(tokenFromParts('a'.repeat(19), 'b'.repeat(20))).toBeNull()
  })
})
