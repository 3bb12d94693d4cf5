import { useEffect, useMemo, useState } from 'react'
import type { ExportFileView, RuleResult } from '../api/types'
import { formatBytes, formatCount } from '../i18n/format'
import { useLanguage, useStrings } from '../i18n/language'
import { errorText } from '../workspace/workspace-files'
import { extension, imageMime, previewKind } from './airlock-format'
import { useRuleLabel } from './Badges'
import { lineDiff, splitLines, withContext, type DiffHunkLine } from './line-diff'
import { airlockStrings } from './strings'
import { parseDelimited, type ParsedTable } from './table-parse'

/** Data rows of a table shown at most; the rest are counted. */
export const MAX_PREVIEW_ROWS = 2000
/** Lines of a text file shown at most. */
const MAX_TEXT_LINES = 5000
/** Lines of a diff shown at most. */
const MAX_DIFF_LINES = 1000

/** A file's bytes, read once per page (each read is audited as a preview). */
export type ReadBytes = (fileId: string) => Promise<Uint8Array>

type Loaded<T> = { kind: 'loading' } | { kind: 'failed'; error: string } | { kind: 'ready'; value: T }

function useLoaded<T>(work: () => Promise<T>, deps: readonly unknown[]): Loaded<T> {
  const [state, setState] = useState<Loaded<T>>({ kind: 'loading' })
  useEffect(() => {
    let current = true
    setState({ kind: 'loading' })
    work().then(
      (value) => current && setState({ kind: 'ready', value }),
      (err: unknown) => current && setState({ kind: 'failed', error: errorText(err) })
    )
    return () => {
      current = false
    }
    // the caller names what the work depends on
  }, deps)
  return state
}

const decode = (bytes: Uint8Array) => new TextDecoder('utf-8').decode(bytes)

/**
 * A file of a request as its reviewer sees it, in the page and never as a download: CSV and TSV as a
 * table with the cells the checks flagged highlighted, PNG and JPEG as an image, TXT, MD and JSON as
 * plain text (never rendered), and a note for a PDF.
 */
export function FilePreview({ file, read }: { file: ExportFileView; read: ReadBytes }) {
  const t = useStrings(airlockStrings).preview
  const kind = previewKind(file.name)
  if (kind === 'pdf') {
    return (
      <p className="notice preview__note" data-testid="preview-pdf">
        {t.pdf}
      </p>
    )
  }
  if (kind === 'none') return <p className="notice preview__note">{t.none}</p>
  if (kind === 'archive') return <ArchiveListing file={file} />
  return <LoadedPreview file={file} read={read} kind={kind} />
}

function LoadedPreview({
  file,
  read,
  kind
}: {
  file: ExportFileView
  read: ReadBytes
  kind: 'table' | 'image' | 'text'
}) {
  const t = useStrings(airlockStrings).preview
  const bytes = useLoaded(() => read(file.id), [read, file.id])
  if (bytes.kind === 'loading') return <p role="status">{t.loading}</p>
  if (bytes.kind === 'failed') {
    return (
      <p className="error-message" role="alert" data-testid="preview-error">
        {t.failed(bytes.error)}
      </p>
    )
  }
  switch (kind) {
    case 'table':
      return <TablePreview file={file} bytes={bytes.value} />
    case 'image':
      return <ImagePreview file={file} bytes={bytes.value} />
    case 'text':
      return <TextPreview file={file} bytes={bytes.value} />
  }
}

/**
 * An imported archive's entries as the gateway checked them: nothing is unpacked in the browser.
 * Shown to its reviewer and, on the request, to the researcher who brings it in.
 */
export function ArchiveListing({ file, testId = 'preview-archive' }: { file: ExportFileView; testId?: string }) {
  const t = useStrings(airlockStrings).preview
  const { language } = useLanguage()
  const entries = file.listing ?? []
  if (entries.length === 0) return <p className="notice preview__note">{t.archiveEmpty}</p>
  const shown = entries.slice(0, MAX_PREVIEW_ROWS)
  return (
    <div className="preview-table">
      <div className="preview-table__scroll">
        <table className="preview-table__table" data-testid={testId}>
          <caption className="visually-hidden">{t.archiveCaption(file.name)}</caption>
          <thead>
            <tr>
              <th scope="col">{t.archiveColumns.name}</th>
              <th scope="col">{t.archiveColumns.type}</th>
              <th scope="col" className="preview-table__number">
                {t.archiveColumns.size}
              </th>
            </tr>
          </thead>
          <tbody>
            {shown.map((e, i) => (
              <tr key={i}>
                <td className="preview-table__mono">{e.name}</td>
                <td>{e.type === 'directory' ? t.archiveColumns.folder : t.archiveColumns.file}</td>
                <td className="preview-table__number">{e.type === 'directory' ? '' : formatBytes(e.size, language)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <p className={entries.length > shown.length ? 'preview__count preview__count--more' : 'preview__count'}>
        {t.archiveEntries(formatCount(entries.length, language))}
      </p>
    </div>
  )
}

/** Which rules flagged what, for the highlighted cells, rows and columns. */
interface Flags {
  cells: Map<string, RuleResult[]>
  rows: Map<number, RuleResult[]>
  columns: Map<number, RuleResult[]>
}

function flagsOf(checks: readonly RuleResult[]): Flags {
  const flags: Flags = { cells: new Map(), rows: new Map(), columns: new Map() }
  const add = <K,>(map: Map<K, RuleResult[]>, key: K, r: RuleResult) => {
    const list = map.get(key)
    if (list === undefined) map.set(key, [r])
    else if (!list.includes(r)) list.push(r)
  }
  for (const r of checks) {
    if (r.outcome === 'pass') continue
    for (const c of r.cells ?? []) add(flags.cells, `${c.row}:${c.column}`, r)
    for (const row of r.rows ?? []) add(flags.rows, row, r)
    for (const column of r.columns ?? []) add(flags.columns, column, r)
  }
  return flags
}

function useFlagText(): (results: readonly RuleResult[]) => string {
  const s = useStrings(airlockStrings)
  const ruleLabel = useRuleLabel()
  return (results) =>
    s.preview.flagged(results.map((r) => `${ruleLabel(r.rule)} (${s.outcomes[r.outcome]})`).join('; '))
}

function TablePreview({ file, bytes }: { file: ExportFileView; bytes: Uint8Array }) {
  const t = useStrings(airlockStrings).preview
  const { language } = useLanguage()
  const flagText = useFlagText()
  const table = useMemo<ParsedTable>(
    () => parseDelimited(decode(bytes), extension(file.name) === 'tsv' ? '\t' : ',', MAX_PREVIEW_ROWS),
    [bytes, file.name]
  )
  const flags = flagsOf(file.checks)
  const width = Math.max(table.header.length, ...table.rows.map((r) => r.length))
  const columns = Array.from({ length: width }, (_, i) => i)
  const hiddenRows = table.totalRows - table.rows.length
  const hiddenFlags = [...flags.cells.keys()].filter(
    (k) => Number(k.slice(0, k.indexOf(':'))) >= table.rows.length
  ).length
  const flaggedShown = flags.cells.size - hiddenFlags

  return (
    <div className="preview-table">
      {flaggedShown > 0 && <p className="preview__legend">{t.legend}</p>}
      <div className="preview-table__scroll">
        <table className="preview-table__table" data-testid="preview-table">
          <caption className="visually-hidden">{t.tableCaption(file.name)}</caption>
          <thead>
            <tr>
              <th scope="col" className="preview-table__rownum">
                <span aria-hidden="true">#</span>
                <span className="visually-hidden">{t.rowNumber}</span>
              </th>
              {columns.map((c) => {
                const flagged = flags.columns.get(c)
                return (
                  <th
                    key={c}
                    scope="col"
                    className={flagged ? 'preview-table__col--flagged' : undefined}
                    title={flagged ? flagText(flagged) : undefined}
                    aria-description={flagged ? flagText(flagged) : undefined}
                    data-testid={flagged ? 'preview-column-flagged' : undefined}
                  >
                    {table.header[c] ?? ''}
                  </th>
                )
              })}
            </tr>
          </thead>
          <tbody>
            {table.rows.map((row, r) => {
              const rowFlags = flags.rows.get(r)
              return (
                <tr key={r} className={rowFlags ? 'preview-table__row--flagged' : undefined}>
                  <th
                    scope="row"
                    className="preview-table__rownum"
                    title={rowFlags ? flagText(rowFlags) : undefined}
                    aria-description={rowFlags ? flagText(rowFlags) : undefined}
                  >
                    {r + 1}
                  </th>
                  {columns.map((c) => {
                    const cellFlags = flags.cells.get(`${r}:${c}`)
                    if (cellFlags === undefined) {
                      return (
                        <td key={c} className={flags.columns.has(c) ? 'preview-table__cell--column' : undefined}>
                          {row[c] ?? ''}
                        </td>
                      )
                    }
                    const text = flagText(cellFlags)
                    return (
                      <td
                        key={c}
                        className={`preview-table__cell--flagged preview-table__cell--${worstOf(cellFlags)}`}
                        tabIndex={0}
                        title={text}
                        aria-description={text}
                        data-testid="preview-cell-flagged"
                        data-row={r}
                        data-column={c}
                        data-rules={cellFlags.map((x) => x.rule).join(' ')}
                      >
                        {row[c] ?? ''}
                      </td>
                    )
                  })}
                </tr>
              )
            })}
          </tbody>
        </table>
      </div>
      {hiddenRows > 0 ? (
        <p className="preview__count preview__count--more" data-testid="preview-rows-not-shown">
          {t.rowsNotShown(
            formatCount(table.rows.length, language),
            formatCount(table.totalRows, language),
            formatCount(hiddenRows, language)
          )}
        </p>
      ) : (
        <p className="preview__count">{t.rows(formatCount(table.totalRows, language))}</p>
      )}
      {hiddenFlags > 0 && (
        <p className="preview__count preview__count--more">{t.flaggedHidden(formatCount(hiddenFlags, language))}</p>
      )}
    </div>
  )
}

function worstOf(results: readonly RuleResult[]): 'fail' | 'review' {
  return results.some((r) => r.outcome === 'fail') ? 'fail' : 'review'
}

/**
 * A PNG or JPEG, only if its bytes are one. The gateway's CSP allows images from data: URLs, not
 * blob: ones, so the bytes are shown as a data URL made in the browser.
 */
function ImagePreview({ file, bytes }: { file: ExportFileView; bytes: Uint8Array }) {
  const t = useStrings(airlockStrings).preview
  const mime = imageMime(bytes)
  const url = useLoaded(
    () =>
      mime === null
        ? Promise.resolve(null)
        : new Promise<string>((resolve, reject) => {
            const reader = new FileReader()
            reader.onload = () => resolve(reader.result as string)
            reader.onerror = () => reject(reader.error ?? new Error('unreadable'))
            reader.readAsDataURL(new Blob([bytes as BlobPart], { type: mime }))
          }),
    [bytes, mime]
  )
  if (mime === null) return <p className="notice notice--warn preview__note">{t.notImage}</p>
  if (url.kind === 'loading') return <p role="status">{t.loading}</p>
  if (url.kind === 'failed' || url.value === null) return <p className="error-message">{t.notImage}</p>
  return (
    <img
      className="preview-image"
      src={url.value}
      alt={t.imageAlt(file.name)}
      draggable={false}
      data-testid="preview-image"
    />
  )
}

/** Plain text, never rendered as HTML or markdown; lines the checks named (TXT, MD) highlighted. */
function TextPreview({ file, bytes }: { file: ExportFileView; bytes: Uint8Array }) {
  const t = useStrings(airlockStrings).preview
  const { language } = useLanguage()
  const flagText = useFlagText()
  // numbered as the checks number them; the empty line after a final newline is not shown
  const lines = useMemo(() => splitLines(decode(bytes)), [bytes])
  // a JSON output's rows are records of its table, not lines
  const flags = extension(file.name) === 'json' ? new Map<number, RuleResult[]>() : flagsOf(file.checks).rows
  const shown = lines.slice(0, MAX_TEXT_LINES)
  return (
    <div className="preview-text">
      <pre className="preview-text__body" data-testid="preview-text">
        {shown.map((line, i) => {
          const flagged = flags.get(i)
          return (
            <span
              key={i}
              className={flagged ? 'preview-text__line preview-text__line--flagged' : 'preview-text__line'}
              title={flagged ? flagText(flagged) : undefined}
              aria-description={flagged ? flagText(flagged) : undefined}
              data-testid={flagged ? 'preview-line-flagged' : undefined}
            >
              {line}
              {'\n'}
            </span>
          )
        })}
      </pre>
      {lines.length > shown.length && (
        <p className="preview__count preview__count--more">
          {t.linesNotShown(formatCount(lines.length - shown.length, language))}
        </p>
      )}
    </div>
  )
}

/** Lines added and removed between the previous round's version of a file and this one. */
export function LineDiff({ before, after, read }: { before: ExportFileView; after: ExportFileView; read: ReadBytes }) {
  const t = useStrings(airlockStrings).diff
  const { language } = useLanguage()
  const diff = useLoaded(async () => {
    const [a, b] = await Promise.all([read(before.id), read(after.id)])
    return lineDiff(splitLines(decode(a)), splitLines(decode(b)))
  }, [read, before.id, after.id])
  const heading = <h4 className="diff__heading">{t.heading(before.round)}</h4>
  if (diff.kind === 'loading')
    return (
      <div className="diff">
        {heading}
        <p role="status">{t.loading}</p>
      </div>
    )
  if (diff.kind === 'failed')
    return (
      <div className="diff">
        {heading}
        <p className="error-message" role="alert">
          {diff.error}
        </p>
      </div>
    )
  const lines = diff.value
  const added = lines.filter((l) => l.kind === 'added').length
  const removed = lines.filter((l) => l.kind === 'removed').length
  const hunks = withContext(lines)
  const shown = hunks.slice(0, MAX_DIFF_LINES)
  return (
    <div className="diff" data-testid="preview-diff" data-added={added} data-removed={removed}>
      {heading}
      {before.sha256 === after.sha256 || (added === 0 && removed === 0) ? (
        <p className="diff__summary">{t.same}</p>
      ) : (
        <>
          <p className="diff__summary">{t.summary(formatCount(added, language), formatCount(removed, language))}</p>
          <ol className="diff__lines" aria-label={t.label(before.round)}>
            {shown.map((line, i) => (
              <DiffRow key={i} line={line} />
            ))}
          </ol>
          {hunks.length > shown.length && <p className="preview__count preview__count--more">{t.more}</p>}
        </>
      )}
    </div>
  )
}

function DiffRow({ line }: { line: DiffHunkLine }) {
  const t = useStrings(airlockStrings).diff
  if (line.kind === 'skipped') return <li className="diff__line diff__line--skipped">{t.skipped(line.count)}</li>
  const mark = line.kind === 'added' ? '+' : line.kind === 'removed' ? '−' : ' '
  return (
    <li
      className={`diff__line diff__line--${line.kind}`}
      data-testid={line.kind === 'added' ? 'diff-added' : line.kind === 'removed' ? 'diff-removed' : undefined}
    >
      <span className="diff__mark" aria-hidden="true">
        {mark}
      </span>
      {line.kind !== 'same' && <span className="visually-hidden">{t[line.kind]}: </span>}
      <span className="diff__text">{line.text}</span>
    </li>
  )
}
