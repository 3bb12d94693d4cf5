import { describe, expect, it } from 'vitest'
import { isNumericType, plainText } from './output-text'

describe('numeric column types', () => {
  it("right-aligns DuckDB's and pandas' number types, in any case and with a size or precision", () => {
    for (const type of ['INTEGER', 'BIGINT', 'UTINYINT', 'HUGEINT', 'int64', 'float64', 'DOUBLE', 'REAL', 'DECIMAL(18,3)', 'numeric', 'Int32'])
      expect(isNumericType(type), type).toBe(true)
  })

  it('leaves text, dates, booleans and unknown types alone', () => {
    for (const type of ['VARCHAR', 'object', 'DATE', 'TIMESTAMP', 'BOOLEAN', 'interval', 'category', '', 'pointer'])
      expect(isNumericType(type), type).toBe(false)
  })
})

describe('plain output text', () => {
  it('takes out the colour codes IPython puts in a traceback', () => {
    const coloured = '\u001b[0;31mZeroDivisionError\u001b[0m: division by zero\n\u001b[1;32m----> 1\u001b[0m 1/0'
    expect(plainText(coloured)).toBe('ZeroDivisionError: division by zero\n----> 1 1/0')
  })

  it('keeps everything else as it is, unicode and line breaks included', () => {
    expect(plainText('東京\r\n[1] 42 \\x1b')).toBe('東京\r\n[1] 42 \\x1b')
    expect(plainText('')).toBe('')
  })
})
