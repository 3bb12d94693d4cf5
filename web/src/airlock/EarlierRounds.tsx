import { useId, useState } from 'react'
import type { ExportFileView, ExportRequestView } from '../api/types'
import { useStrings } from '../i18n/language'
import { filesOfRound } from './airlock-format'
import { CheckResults, FileStateBadge, OutcomeBadge } from './Badges'
import { DecisionList } from './Decisions'
import type { ReadExcerpt } from './Excerpt'
import { FilePreview, type ReadBytes } from './Preview'
import { airlockStrings } from './strings'

/** Rounds before the current one: their files, checks and the comments that sent them back. */
export function EarlierRounds({
  request,
  read,
  excerpt
}: {
  request: ExportRequestView
  read: ReadBytes
  excerpt: ReadExcerpt
}) {
  const t = useStrings(airlockStrings).review
  if (request.round <= 1) return null
  const rounds = Array.from({ length: request.round - 1 }, (_, i) => request.round - 1 - i)
  return (
    <section aria-labelledby="review-earlier-heading" className="review__section" data-testid="review-earlier">
      <h2 id="review-earlier-heading" className="review__heading">
        {t.earlierHeading}
      </h2>
      {rounds.map((round) => (
        <section key={round} className="card review-round" aria-label={t.roundHeading(round)} data-round={round}>
          <h3 className="review-round__heading">{t.roundHeading(round)}</h3>
          <h4 className="review-file__subheading">{t.comments}</h4>
          <DecisionList decisions={request.decisions.filter((d) => d.round === round)} empty={t.noComments} />
          <ul className="review-round__files">
            {filesOfRound(request, round).map((f) => (
              <EarlierFile key={f.id} file={f} read={read} excerpt={excerpt} />
            ))}
          </ul>
        </section>
      ))}
    </section>
  )
}

function EarlierFile({ file, read, excerpt }: { file: ExportFileView; read: ReadBytes; excerpt: ReadExcerpt }) {
  const t = useStrings(airlockStrings).review
  const [shown, setShown] = useState(false)
  const id = useId()
  return (
    <li className="review-round__file" data-testid="earlier-file" data-file={file.name}>
      <div className="review-file__head">
        <span className="review-file__name">{file.name}</span>
        <OutcomeBadge outcome={file.outcome} />
        <FileStateBadge state={file.state} />
      </div>
      <p className="review-file__why">{file.justification}</p>
      <details className="review-round__checks">
        <summary>{t.checks}</summary>
        <CheckResults checks={file.checks} />
      </details>
      <button
        type="button"
        className="button button--secondary button--small"
        aria-expanded={shown}
        aria-controls={`${id}-preview`}
        onClick={() => setShown((v) => !v)}
      >
        {shown ? t.hidePreview : t.showPreview}
      </button>
      <div id={`${id}-preview`} hidden={!shown}>
        {shown && <FilePreview file={file} read={read} excerpt={excerpt} />}
      </div>
    </li>
  )
}
