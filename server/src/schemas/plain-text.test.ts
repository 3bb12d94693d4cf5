import { describe, expect, it } from 'vitest'
import { checkPlainText, hiddenCharacter, plainTextProblem } from './plain-text.js'

describe('names with hidden characters', () => {
  const hidden = [
    ...[0x202a, 0x202b, 0x202c, 0x202d, 0x202e],
    ...[0x2066, 0x2067, 0x2068, 0x2069],
    0x200e,
    0x200f,
    0x061c,
    // C0, DEL and C1 controls
    0x00,
    0x09,
    0x0a,
    0x1b,
    0x7f,
    0x80,
    0x9f,
    // zero-width space and joiner, byte-order mark, line separator
    0x200b,
    0x200d,
    0xfeff,
    0x2028,
    // letters, symbols and marks that draw nothing: Hangul fillers, the blank braille pattern, the
    // combining grapheme joiner, Khmer inherent vowels, variation selectors
    0x3164,
    0x115f,
    0x1160,
    0xffa0,
    0x2800,
    0x034f,
    0x17b4,
    0x180b,
    0xfe00,
    0xfe0f,
    0xe0100,
    0xe01ef
  ]
  for (const cp of hidden) {
    it(`refuses U+${cp.toString(16).toUpperCase().padStart(4, '0')}, saying where it is`, () => {
      expect(hiddenCharacter(`ab${String.fromCodePoint(cp)}c.csv`)).toEqual({ codePoint: cp, position: 3 })
    })
  }

  it('refuses a lone surrogate', () => {
    expect(hiddenCharacter('a\ud800b')?.position).toBe(2)
  })

  it('accepts names in any script, with emoji, and an ideographic variation selector after a kanji', () => {
    for (const name of [
      '鈴木 健二',
      'résumé.csv',
      'تقرير.csv',
      '葛\u{E0100}飾区',
      '辻\u{E0101}.csv',
      'figure 📊.png',
      'a-b_c (2).sql',
      '한국어 보고서.csv'
    ]) {
      expect(hiddenCharacter(name), name).toBeNull()
    }
  })

  it('refuses a variation selector that picks no kanji glyph: after a letter, an emoji, another selector, or first', () => {
    expect(hiddenCharacter('report\u{E0100}.csv')).toEqual({ codePoint: 0xe0100, position: 7 })
    expect(hiddenCharacter('葛\u{E0100}\u{E0100}飾区')).toEqual({ codePoint: 0xe0100, position: 3 })
    expect(hiddenCharacter('\u{E0100}葛')).toEqual({ codePoint: 0xe0100, position: 1 })
    expect(hiddenCharacter('\u2764\uFE0F.png')).toEqual({ codePoint: 0xfe0f, position: 2 })
  })

  it('names the blank look-alikes a name can be forged with', () => {
    expect(plainTextProblem('a display name', 'Kim\u3164')).toMatch(/U\+3164 \(a Hangul filler\) at character 4/)
    expect(plainTextProblem('a file name', '\u2800.csv')).toMatch(/U\+2800 \(a blank braille pattern\)/)
    expect(plainTextProblem('a file name', 'a\u034Fb')).toMatch(/U\+034F \(a combining grapheme joiner\)/)
    expect(plainTextProblem('a file name', 'a\uFE0F')).toMatch(/U\+FE0F \(a variation selector\)/)
    expect(plainTextProblem('a file name', 'a\u17B5')).toMatch(/U\+17B5 \(an invisible character\)/)
  })

  it('counts characters, not UTF-16 units, and names the character without echoing it', () => {
    const problem = plainTextProblem('a display name', '📊x\u202Etxt.exe')!
    expect(problem).toMatch(/^a display name holds U\+202E \(a right-to-left override\) at character 3: /)
    expect(problem).not.toContain('\u202E')
    expect(plainTextProblem('a file name', 'a\u0085b')).toMatch(/U\+0085 \(a control character\)/)
    expect(plainTextProblem('a file name', 'a\u2060b')).toMatch(/U\+2060 \(an invisible character\)/)
  })

  it('answers a refusal as a 400 sentence', () => {
    expect(checkPlainText('a path', 'outbox/ok.csv')).toBe('outbox/ok.csv')
    try {
      checkPlainText('a path in the outbox', 'outbox/x\u202Ecsv.exe')
      expect.unreachable()
    } catch (err) {
      expect(err).toMatchObject({ statusCode: 400, code: 'VRE_ERR_BAD_REQUEST' })
      expect((err as Error).message).toMatch(/^A path in the outbox holds U\+202E .*another\.$/)
    }
  })
})
