import { useMemo } from 'react'
import type { ExportFileView } from '../api/types'
import { formatBytes, formatCount } from '../i18n/format'
import { useLanguage, useStrings } from '../i18n/language'
import { extension, imageMime, previewKind } from './airlock-format'
import { ExcerptPreview, type ReadExcerpt } from './Excerpt'
import { WhyNot } from './Gated'
import { lineDiff, splitLines, withContext, type DiffHunkLine } from './line-diff'
import { decode, TablePreview, TextPreview, useLoaded } from './PreviewViews'
import { airlockStrings } from './strings'
import { parseDelimited } from './table-parse'

/** Data rows of a table shown at most; the rest are counted. */
export const MAX_PREVIEW_ROWS = 2000
/** Lines of a diff shown at most. */
const MAX_DIFF_LINES = 1000

/** A file's bytes, read once per page (each read is audited as a preview). */
export type ReadBytes = (fileId: string) => Promise<Uint8Array>

/**
 * A file of a request as its reviewer sees it, in the page and never as a download: CSV and TSV as a
 * table with the cells the checks flagged highlighted, PNG and JPEG as an image, TXT, MD and JSON as
 * plain text (never rendered), and a note for a PDF. An export that may hold individual records is
 * shown as its excerpt (its header, first rows and row count, `excerpt`), never its bytes.
 */
export function FilePreview({ file, read, excerpt }: { file: ExportFileView; read: ReadBytes; excerpt?: ReadExcerpt }) {
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
  // the bytes are not asked for where the gateway would refuse them: it says why instead
  if (file.can.preview?.ok === false) {
    return (
      <p className="notice preview__note" data-testid="preview-withheld">
        {t.withheld} <WhyNot can={file.can.preview} testId="preview-withheld-why" />
      </p>
    )
  }
  if (file.can.readBytes?.ok === false) {
    if (excerpt !== undefined && kind !== 'image') return <ExcerptPreview file={file} excerpt={excerpt} />
    return (
      <p className="notice preview__note" data-testid="preview-withheld">
        {t.withheld} <WhyNot can={file.can.readBytes} testId="preview-withheld-why" />
      </p>
    )
  }
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
      return <BytesTable file={file} bytes={bytes.value} />
    case 'image':
      return <ImagePreview file={file} bytes={bytes.value} />
    case 'text':
      return <BytesText file={file} bytes={bytes.value} />
  }
}

function BytesTable({ file, bytes }: { file: ExportFileView; bytes: Uint8Array }) {
  const table = useMemo(
    () => parseDelimited(decode(bytes), extension(file.name) === 'tsv' ? '\t' : ',', MAX_PREVIEW_ROWS),
    [bytes, file.name]
  )
  return <TablePreview file={file} table={table} />
}

function BytesText({ file, bytes }: { file: ExportFileView; bytes: Uint8Array }) {
  // numbered as the checks number them; the empty line after a final newline is not shown
  const lines = useMemo(() => splitLines(decode(bytes)), [bytes])
  return <TextPreview file={file} lines={lines} />
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
