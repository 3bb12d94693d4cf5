/**
 * pandas writes a table whose columns have several levels (a pivot table with `aggfunc=[...]` or
 * several `values`, a crosstab over two column factors) as several header rows, then a row with
 * the index's names and nothing else:
 *
 *   ,mean,mean,count,count      <- top level (its name, if any, in the first cell)
 *   sex,F,M,F,M                 <- next level, named "sex"
 *   region,,,,                  <- the index's names
 *   North,483.5,541.75,13,20    <- data
 *
 * Read as one header, every column would be text and no rule would see a number. This joins the
 * levels into one name per column ("mean F", "count M") and takes the index's names from their row.
 */

const MAX_LEVELS = 6
const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$/

export function pandasHeader(records: string[][]): { names: string[]; rows: string[][] } {
  const plain = { names: records[0] ?? [], rows: records.slice(1) }
  const width = plain.names.length
  for (let r = 2; r <= Math.min(MAX_LEVELS, records.length - 2); r++) {
    const k = indexNamesRow(records[r]!, width)
    if (k === 0) continue
    if (!levelsAbove(records, r, k)) return plain
    const names = records[r]!.map((cell, j) => {
      if (j < k) return cell
      return records
        .slice(0, r)
        .map((row) => row[j]!.trim())
        .filter((s) => s !== '')
        .join(' ')
    })
    return { names, rows: records.slice(r + 1) }
  }
  return plain
}

/** The number of index levels when `row` names them (first cells filled, the rest empty); else 0. */
function indexNamesRow(row: string[], width: number): number {
  let k = 0
  while (k < row.length && row[k]!.trim() !== '') k++
  if (k === 0 || k >= width) return 0
  for (let j = k; j < row.length; j++) if (row[j]!.trim() !== '') return 0
  return k
}

/**
 * The rows above the index's names are levels of columns as pandas writes them: only the first
 * cell may name the level, the other index positions are empty, every level labels some column,
 * and a level below the first holds labels rather than a data row (text, or the top level repeats
 * a label over the columns under it, as a pivot table's function names do).
 */
function levelsAbove(records: string[][], r: number, k: number): boolean {
  const top = records[0]!
  let repeats = false
  for (let j = k + 1; j < top.length; j++) if (top[j]!.trim() !== '' && top[j] === top[j - 1]) repeats = true
  for (let i = 0; i < r; i++) {
    const row = records[i]!
    for (let j = 1; j < k; j++) if (row[j]!.trim() !== '') return false
    const labels = row.slice(k).filter((s) => s.trim() !== '')
    if (labels.length === 0) return false
    if (i > 0 && !repeats && labels.some((s) => NUMBER.test(s.trim()))) return false
    if (i > 0 && NUMBER.test(row[0]!.trim())) return false
  }
  return true
}
