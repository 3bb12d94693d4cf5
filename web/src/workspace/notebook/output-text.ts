// How a cell's output text is drawn: colour codes taken out, numbers told apart from text.

/** DuckDB's and pandas' number types: their values are right-aligned. */
const NUMERIC_TYPE = /^(u?(tiny|small|big|huge)?int(eger)?\d*|float\d*|double|real|decimal|numeric)\b/i

/** Terminal colour codes in tracebacks and streams (IPython colours its tracebacks). */
const ANSI = /\u001b\[[0-9;?]*[ -/]*[@-~]/g

export function isNumericType(columnType: string): boolean {
  return NUMERIC_TYPE.test(columnType)
}

/** The text without terminal escape sequences, which would show as garbage. */
export function plainText(text: string): string {
  return text.replace(ANSI, '')
}

