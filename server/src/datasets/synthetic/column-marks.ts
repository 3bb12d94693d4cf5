import type { ColumnMark, MarkedColumn } from '../marks.js'
import { TABLES } from './schema.js'

/** Columns the catalog marks, wherever they appear: identifiers of a person or a claim, and quasi-identifiers. */
export const COLUMN_MARKS: Readonly<Record<string, ColumnMark>> = {
  person_id: 'identifier',
  claim_id: 'identifier',
  sex: 'quasi-identifier',
  birth_ym: 'quasi-identifier',
  prefecture_code: 'quasi-identifier',
  insurer_type: 'quasi-identifier'
}

/** The marks of every table's columns, for the catalog. */
export function columnMarks(): MarkedColumn[] {
  return TABLES.flatMap((t) =>
    t.columns.flatMap((c) => {
      const mark = COLUMN_MARKS[c.name]
      return mark === undefined ? [] : [{ table: t.name, column: c.name, mark }]
    })
  )
}
