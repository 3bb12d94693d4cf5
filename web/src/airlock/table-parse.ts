// CSV and TSV for the reviewer's preview, read the way the airlock's checks read them
// (server/src/airlock/disclosure/table.ts: RFC 4180 quoting, a byte-order mark dropped, LF, CRLF or
// CR between records, blank lines skipped, the first record the header), so that the checks' 0-based
// row and column numbers land on the same cells here. Unlike the checks it never refuses a file: a
// stray quote is kept as text, and short or long rows are shown as they are.

export interface ParsedTable {
  header: string[]
  /** the first `maxRows` data rows */
  rows: string[][]
  /** every data row in the file, shown or not */
  totalRows: number
}

/** Parses `text` as CSV (`,`) or TSV (`\t`), keeping at most `maxRows` data rows (all are counted). */
export function parseDelimited(text: string, delimiter: ',' | '\t', maxRows: number): ParsedTable {
  const src = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text
  let header: string[] | null = null
  const rows: string[][] = []
  let totalRows = 0

  let record: string[] = []
  let field = ''
  /** the current field started with a quote, or the record has anything in it: not a blank line */
  let touched = false
  let quoted = false

  const endField = () => {
    record.push(field)
    field = ''
  }
  const endRecord = () => {
    if (!touched && record.length === 0 && field === '') return // a blank line
    endField()
    if (header === null) header = record
    else {
      if (rows.length < maxRows) rows.push(record)
      totalRows++
    }
    record = []
    touched = false
  }

  let i = 0
  const n = src.length
  while (i < n) {
    const c = src[i]!
    if (quoted) {
      if (c === '"') {
        if (src[i + 1] === '"') {
          field += '"'
          i += 2
          continue
        }
        quoted = false
        i++
        continue
      }
      field += c
      i++
      continue
    }
    if (c === '"' && field === '') {
      quoted = true
      touched = true
      i++
      continue
    }
    if (c === delimiter) {
      endField()
      touched = true
      i++
      continue
    }
    if (c === '\r' || c === '\n') {
      endRecord()
      i += c === '\r' && src[i + 1] === '\n' ? 2 : 1
      continue
    }
    field += c
    touched = true
    i++
  }
  if (touched || record.length > 0 || field !== '') endRecord()
  return { header: header ?? [], rows, totalRows }
}
