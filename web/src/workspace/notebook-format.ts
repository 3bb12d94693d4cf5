import type { CellLanguage, CellOutput, TableColumn } from '../api/types'

// Reading and writing Jupyter notebooks (nbformat 4). A code cell's language is in its metadata as
// metadata.vre.language ('sql' | 'python', python when absent, so notebooks from elsewhere open as
// Python). Outputs are kept in nbformat's shape so that reopening shows them; VRE tables travel as
// the MIME type application/vnd.vre.table+json (the kernel's table output without "type").
// Nothing read from a file is trusted: outputs that do not have the expected shape are dropped, and
// HTML, JavaScript or any other rich output is never kept for display.

export const TABLE_MIME = 'application/vnd.vre.table+json'
/** The image types shown, as <img src="data:…">; any other image output is ignored. */
const IMAGE_MIMES = ['image/png', 'image/jpeg'] as const
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/

export type CellKind = 'code' | 'markdown' | 'raw'

export interface NotebookCell {
  id: string
  kind: CellKind
  /** what a code cell runs as; kept (and ignored) for text cells so switching back restores it */
  language: CellLanguage
  source: string
  outputs: CellOutput[]
  executionCount: number | null
  durationMs: number | null
  /** the cell's metadata as read, without the keys this module writes (vre.language, vre.durationMs) */
  metadata: Record<string, unknown>
  /** other fields of a text cell kept as read (attachments) */
  attachments?: unknown
}

export interface NotebookDoc {
  cells: NotebookCell[]
  /** the notebook's metadata (kernelspec, …), kept as read */
  metadata: Record<string, unknown>
  nbformatMinor: number
}

export type NotebookProblem = 'json' | 'version' | 'shape'

/** The file is not a notebook this view can open; `problem` says why (shown in the user's language). */
export class NotebookFormatError extends Error {
  override readonly name = 'NotebookFormatError'
  constructor(readonly problem: NotebookProblem) {
    super(`not an nbformat 4 notebook (${problem})`)
  }
}

type Json = Record<string, unknown>

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v)

/** nbformat's multiline strings are a string or a list of lines. */
function multiline(v: unknown): string | null {
  if (typeof v === 'string') return v
  if (Array.isArray(v) && v.every((line) => typeof line === 'string')) return v.join('')
  return null
}

/** Lines with their "\n" kept, as Jupyter writes them (diffs stay line by line). */
function toLines(text: string): string[] {
  return text === '' ? [] : text.split(/(?<=\n)/)
}

function randomId(): string {
  // getRandomValues, not randomUUID: the latter exists only in secure contexts
  const bytes = crypto.getRandomValues(new Uint8Array(8))
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')
}

export function newCell(kind: CellKind, language: CellLanguage = 'sql'): NotebookCell {
  return {
    id: randomId(),
    kind,
    language,
    source: '',
    outputs: [],
    executionCount: null,
    durationMs: null,
    metadata: {}
  }
}

export function newNotebookContent(): string {
  return serializeNotebook({
    cells: [],
    metadata: {
      kernelspec: { display_name: 'Python 3', language: 'python', name: 'python3' },
      language_info: { name: 'python' }
    },
    nbformatMinor: 5
  })
}

export function parseNotebook(text: string): NotebookDoc {
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch {
    throw new NotebookFormatError('json')
  }
  if (!isObject(raw)) throw new NotebookFormatError('shape')
  if (raw.nbformat !== 4) throw new NotebookFormatError('version')
  if (!Array.isArray(raw.cells)) throw new NotebookFormatError('shape')
  const ids = new Set<string>()
  const cells = raw.cells.map((c): NotebookCell => {
    if (!isObject(c)) throw new NotebookFormatError('shape')
    const kind = c.cell_type
    if (kind !== 'code' && kind !== 'markdown' && kind !== 'raw') throw new NotebookFormatError('shape')
    const source = multiline(c.source)
    if (source === null) throw new NotebookFormatError('shape')
    const metadata: Json = isObject(c.metadata) ? { ...c.metadata } : {}
    const { language, durationMs, ...otherVre }: Json = isObject(metadata.vre) ? metadata.vre : {}
    if (Object.keys(otherVre).length > 0) metadata.vre = otherVre
    else delete metadata.vre
    // ids are required from nbformat 4.5 on and must be unique; older files get new ones
    let id = typeof c.id === 'string' && /^[A-Za-z0-9_-]{1,64}$/.test(c.id) ? c.id : randomId()
    while (ids.has(id)) id = randomId()
    ids.add(id)
    const cell: NotebookCell = {
      id,
      kind,
      language: language === 'sql' ? 'sql' : 'python',
      source,
      outputs: kind === 'code' && Array.isArray(c.outputs) ? readOutputs(c.outputs) : [],
      executionCount: kind === 'code' && Number.isInteger(c.execution_count) ? (c.execution_count as number) : null,
      durationMs: kind === 'code' && typeof durationMs === 'number' && durationMs >= 0 ? durationMs : null,
      metadata
    }
    if (kind !== 'code' && c.attachments !== undefined) cell.attachments = c.attachments
    return cell
  })
  const minor = typeof raw.nbformat_minor === 'number' ? raw.nbformat_minor : 0
  return { cells, metadata: isObject(raw.metadata) ? raw.metadata : {}, nbformatMinor: minor }
}

export function serializeNotebook(doc: NotebookDoc): string {
  const cells = doc.cells.map((cell) => {
    if (cell.kind !== 'code') {
      return {
        ...(cell.attachments !== undefined && { attachments: cell.attachments }),
        cell_type: cell.kind,
        id: cell.id,
        metadata: cell.metadata,
        source: toLines(cell.source)
      }
    }
    const vre: Json = {
      ...(isObject(cell.metadata.vre) ? cell.metadata.vre : {}),
      language: cell.language,
      ...(cell.durationMs !== null && { durationMs: cell.durationMs })
    }
    return {
      cell_type: 'code',
      execution_count: cell.executionCount,
      id: cell.id,
      metadata: { ...cell.metadata, vre },
      outputs: writeOutputs(cell.outputs, cell.executionCount),
      source: toLines(cell.source)
    }
  })
  const notebook = {
    cells,
    metadata: doc.metadata,
    nbformat: 4,
    // cell ids (written above) are what 4.5 added
    nbformat_minor: Math.max(5, doc.nbformatMinor)
  }
  // indent 1 and a final newline, as Jupyter writes notebooks
  return `${JSON.stringify(notebook, null, 1)}\n`
}

/** Outputs as the kernel sent them, or as read from a file, checked one by one; malformed ones are dropped. */
export function checkOutputs(outputs: readonly unknown[]): CellOutput[] {
  return outputs.map(checkOutput).filter((o): o is CellOutput => o !== null)
}

function checkOutput(o: unknown): CellOutput | null {
  if (!isObject(o)) return null
  switch (o.type) {
    case 'table': {
      const table = checkTable(o)
      return table === null ? null : { type: 'table', ...table }
    }
    case 'stream':
      return (o.name === 'stdout' || o.name === 'stderr') && typeof o.text === 'string'
        ? { type: 'stream', name: o.name, text: o.text }
        : null
    case 'image':
      return typeof o.mime === 'string' &&
        (IMAGE_MIMES as readonly string[]).includes(o.mime) &&
        typeof o.data === 'string' &&
        BASE64.test(o.data.replace(/\s/g, ''))
        ? { type: 'image', mime: o.mime, data: o.data.replace(/\s/g, '') }
        : null
    case 'text':
      return typeof o.text === 'string' ? { type: 'text', text: o.text } : null
    case 'display-cut': {
      const n = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : 0)
      return {
        type: 'display-cut',
        heldBackBytes: n(o.heldBackBytes),
        availableBytes: n(o.availableBytes),
        bytesPerMinute: n(o.bytesPerMinute)
      }
    }
    case 'error': {
      const traceback =
        Array.isArray(o.traceback) && o.traceback.every((line) => typeof line === 'string')
          ? (o.traceback as string[])
          : undefined
      return {
        type: 'error',
        ename: typeof o.ename === 'string' ? o.ename : 'Error',
        evalue: typeof o.evalue === 'string' ? o.evalue : '',
        ...(traceback !== undefined && { traceback })
      }
    }
    default:
      return null
  }
}

function checkTable(t: Json): Omit<Extract<CellOutput, { type: 'table' }>, 'type'> | null {
  if (!Array.isArray(t.columns) || !Array.isArray(t.rows)) return null
  const columns: TableColumn[] = []
  for (const c of t.columns) {
    if (!isObject(c) || typeof c.name !== 'string') return null
    columns.push({
      name: c.name,
      type: typeof c.type === 'string' ? c.type : '',
      ...(c.index === true && { index: true })
    })
  }
  if (!t.rows.every((row) => Array.isArray(row))) return null
  const rows = t.rows as unknown[][]
  const rowCount = typeof t.rowCount === 'number' ? t.rowCount : rows.length
  return { columns, rows, rowCount, truncated: t.truncated === true || rowCount > rows.length }
}

/** nbformat outputs -> the kernel's shape. Rich outputs other than VRE tables and PNG/JPEG images fall back to their text. */
function readOutputs(outputs: unknown[]): CellOutput[] {
  const read = outputs.map((o): unknown => {
    if (!isObject(o)) return null
    switch (o.output_type) {
      case 'stream':
        return { type: 'stream', name: o.name, text: multiline(o.text) }
      case 'error':
        return { type: 'error', ename: o.ename, evalue: o.evalue, traceback: o.traceback }
      case 'execute_result':
      case 'display_data': {
        const data = isObject(o.data) ? o.data : {}
        if (isObject(data[TABLE_MIME])) return { ...data[TABLE_MIME], type: 'table' }
        for (const mime of IMAGE_MIMES) {
          const image = multiline(data[mime])
          if (image !== null) return { type: 'image', mime, data: image }
        }
        const text = multiline(data['text/plain'])
        return text === null ? null : { type: 'text', text }
      }
      default:
        return null
    }
  })
  return checkOutputs(read)
}

/** The kernel's shape -> nbformat. The last table or text is the cell's result, anything before it was displayed. */
function writeOutputs(outputs: CellOutput[], executionCount: number | null): Json[] {
  return outputs.map((o, i) => {
    const last = i === outputs.length - 1
    const rich = (data: Json): Json =>
      last && (o.type === 'table' || o.type === 'text')
        ? { output_type: 'execute_result', data, execution_count: executionCount, metadata: {} }
        : { output_type: 'display_data', data, metadata: {} }
    switch (o.type) {
      case 'table': {
        const table = { columns: o.columns, rows: o.rows, rowCount: o.rowCount, truncated: o.truncated }
        return rich({ [TABLE_MIME]: table, 'text/plain': `${o.rowCount} rows` })
      }
      case 'image':
        return rich({ [o.mime]: o.data })
      case 'text':
        return rich({ 'text/plain': toLines(o.text) })
      case 'stream':
        return { output_type: 'stream', name: o.name, text: toLines(o.text) }
      case 'error':
        return { output_type: 'error', ename: o.ename, evalue: o.evalue, traceback: o.traceback ?? [] }
      case 'display-cut':
        // kept in the file as a note where the outputs stop short: the rest never reached the screen
        return {
          output_type: 'stream',
          name: 'stderr',
          text: toLines(`[output cut by the display budget: ${o.heldBackBytes} bytes were held back]\n`)
        }
    }
  })
}
