import type { CellOutput } from './kernel-service.js'

/** The images a cell may show, as vre-kernel encodes them. */
const IMAGE_MIMES = new Set(['image/png', 'image/jpeg'])
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)
const text = (v: unknown): string | null => (typeof v === 'string' ? v : null)

/**
 * A cell's outputs as vre-kernel sent them, rebuilt from what each kind may hold. The kernel is a
 * process of the researcher's (a cell can take over its bridge, or write to its output): a field
 * the gateway does not know would otherwise go out to the browser uncounted, and one it counts
 * (a table's row count) could be any size. An output that is not one of the known kinds, with the
 * known fields of the known types, is dropped.
 */
export function cleanOutputs(raw: unknown): CellOutput[] {
  if (!Array.isArray(raw)) return []
  const out: CellOutput[] = []
  for (const o of raw) {
    const c = cleanOutput(o)
    if (c !== null) out.push(c)
  }
  return out
}

function cleanOutput(o: unknown): CellOutput | null {
  if (!isObject(o)) return null
  switch (o.type) {
    case 'stream': {
      const t = text(o.text)
      return t !== null && (o.name === 'stdout' || o.name === 'stderr')
        ? { type: 'stream', name: o.name, text: t }
        : null
    }
    case 'text': {
      const t = text(o.text)
      return t === null ? null : { type: 'text', text: t }
    }
    case 'image': {
      const data = text(o.data)
      const mime = text(o.mime)
      return data !== null && mime !== null && IMAGE_MIMES.has(mime) && BASE64.test(data)
        ? { type: 'image', mime, data }
        : null
    }
    case 'error': {
      const traceback = Array.isArray(o.traceback) ? o.traceback.filter((l): l is string => typeof l === 'string') : []
      return { type: 'error', ename: text(o.ename) ?? 'Error', evalue: text(o.evalue) ?? '', traceback }
    }
    case 'table': {
      if (!Array.isArray(o.columns) || !Array.isArray(o.rows) || !o.rows.every(Array.isArray)) return null
      const columns: { name: string; type: string; index?: boolean }[] = []
      for (const c of o.columns) {
        if (!isObject(c) || typeof c.name !== 'string') return null
        columns.push({ name: c.name, type: text(c.type) ?? '', ...(c.index === true ? { index: true } : {}) })
      }
      const rows = o.rows as unknown[][]
      const rowCount =
        typeof o.rowCount === 'number' && Number.isSafeInteger(o.rowCount) && o.rowCount >= rows.length
          ? o.rowCount
          : rows.length
      return { type: 'table', columns, rows, rowCount, truncated: o.truncated === true || rowCount > rows.length }
    }
    default:
      return null
  }
}
