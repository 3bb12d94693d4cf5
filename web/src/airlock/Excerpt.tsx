import type { ExportFileView, ReviewExcerpt } from '../api/types'
import { useStrings } from '../i18n/language'
import { WhyNot } from './Gated'
import { TablePreview, TextPreview, useLoaded } from './PreviewViews'
import { airlockStrings } from './strings'

/** A file's excerpt, read once per page (each read is audited and counted as a preview). */
export type ReadExcerpt = (fileId: string) => Promise<ReviewExcerpt>

/**
 * What a reviewer reads of an export that may hold individual records: never its bytes, but its
 * header and first rows (or lines) as the gateway cut them, how many there are in all, and why no
 * more is shown. Enough to recognise a list of records and send it back.
 */
export function ExcerptPreview({ file, excerpt }: { file: ExportFileView; excerpt: ReadExcerpt }) {
  const t = useStrings(airlockStrings).preview
  const loaded = useLoaded(() => excerpt(file.id), [excerpt, file.id])
  const note = (
    <p className="notice preview__note" data-testid="preview-excerpt-note">
      {t.excerpt} <WhyNot can={file.can.readBytes} testId="preview-excerpt-why" />
    </p>
  )
  if (loaded.kind === 'loading') return <p role="status">{t.loading}</p>
  if (loaded.kind === 'failed') {
    return (
      <p className="error-message" role="alert" data-testid="preview-error">
        {t.failed(loaded.error)}
      </p>
    )
  }
  const x = loaded.value
  return (
    <div data-testid="preview-excerpt" data-format={x.format}>
      {note}
      {x.format === 'table' ? (
        <TablePreview file={file} table={{ header: x.header, rows: x.rows, totalRows: x.totalRows }} />
      ) : (
        <TextPreview file={file} lines={x.lines} total={x.totalLines} />
      )}
      {x.cut && <p className="preview__count preview__count--more">{t.excerptCut}</p>}
    </div>
  )
}
