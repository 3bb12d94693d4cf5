import { readFileSync } from 'node:fs'
import { parse as parseCsv } from 'csv-parse/sync'
import { IngestError } from './spec.js'

/**
 * The opt-out list: one raw person key per line (blank lines and lines starting with # are
 * ignored), or with `column`, a CSV with a header and that column.
 */
export function readOptOut(file: string, column: string | null): Set<string> {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (err) {
    throw new IngestError(`cannot read the opt-out list ${file}: ${(err as Error).message}`)
  }
  const keys = new Set<string>()
  if (column === null) {
    for (const line of text.split(/\r?\n/)) {
      const k = line.trim()
      if (k !== '' && !k.startsWith('#')) keys.add(k)
    }
    return keys
  }
  let records: Record<string, string>[]
  let header: string[] = []
  try {
    records = parseCsv(text, {
      columns: (h: string[]) => (header = h),
      skip_empty_lines: true,
      bom: true
    }) as Record<string, string>[]
  } catch (err) {
    // the parser's words quote the field at fault: a key of the raw data
    throw new IngestError(`the opt-out list ${file} is not a readable CSV`, (err as Error).message)
  }
  if (!header.includes(column)) throw new IngestError(`the opt-out list ${file} has no column ${column}`)
  for (const r of records) {
    const k = (r[column] ?? '').trim()
    if (k !== '') keys.add(k)
  }
  return keys
}
