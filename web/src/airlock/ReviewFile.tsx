import { useId } from 'react'
import type { ApiClient } from '../api/client'
import type { ExportFileView, ExportRequestView, Provenance as FileProvenance } from '../api/types'
import { formatBytes, formatCount, formatDateTime } from '../i18n/format'
import { useLanguage, useStrings } from '../i18n/language'
import { CheckResults, FileStateBadge, OutcomeBadge, useRuleLabel } from './Badges'
import { VoteList } from './Decisions'
import { WhyNot } from './Gated'
import type { ReadExcerpt } from './Excerpt'
import { FilePreview, LineDiff, type ReadBytes } from './Preview'
import { airlockStrings } from './strings'
import { VoteForm } from './VoteForm'

interface Props {
  api: ApiClient
  request: ExportRequestView
  file: ExportFileView
  read: ReadBytes
  /** a file's excerpt, where its bytes are not shown (it may hold individual records) */
  excerpt: ReadExcerpt
  /** the same file in the round before, to show what changed */
  before?: ExportFileView
  /** the reviewer's username: their own vote is the form's, others' are listed */
  me: string
  onSaved(view: ExportRequestView): void
  onDirty(fileId: string, dirty: boolean): void
  onReload(): void
}

/**
 * One file of the round under review: what it is and why it should leave, the query that made it,
 * the checks' findings, the exceptions asked, a preview; the votes the reviewer may read, and their
 * own vote, or why they cannot vote on it now.
 */
export function ReviewFile({ api, request, file, read, excerpt, before, me, onSaved, onDirty, onReload }: Props) {
  const t = useStrings(airlockStrings).review
  const { language } = useLanguage()
  const id = useId()
  const mine = file.votes.find((v) => v.reviewer === me)
  const voting = file.can.vote?.ok === true
  // while voting, one's own vote is the form; otherwise it is listed with the others'
  const listed = voting ? file.votes.filter((v) => v.reviewer !== me) : file.votes
  return (
    <article
      className="card review-file"
      aria-labelledby={`${id}-name`}
      data-testid="review-file"
      data-file={file.name}
      data-file-id={file.id}
    >
      <div className="review-file__head">
        <h3 id={`${id}-name`} className="review-file__name">
          {file.name}
        </h3>
        <OutcomeBadge outcome={file.outcome} testId="file-outcome" />
        <FileStateBadge state={file.state} />
        <span className="review-file__meta">
          {formatBytes(file.size, language)} · <span title={file.sha256}>SHA-256 {file.sha256.slice(0, 12)}…</span>
        </span>
      </div>
      <p className="review-file__path">{file.path}</p>
      <h4 className="review-file__subheading">{t.justification}</h4>
      <p className="review-file__why" data-testid="review-justification">
        {file.justification}
      </p>
      <Provenance file={file} />
      <h4 className="review-file__subheading">{t.checks}</h4>
      <CheckResults checks={file.checks} />
      {/* read before deciding; an approval quotes each reason again beside its acknowledgement */}
      <Exceptions file={file} />
      <h4 className="review-file__subheading">{t.preview}</h4>
      <FilePreview file={file} read={read} excerpt={excerpt} />
      {/* a diff reads both rounds' bytes: only where the gateway shows both whole */}
      {before !== undefined &&
        [before, file].every((f) => f.can.preview?.ok !== false && f.can.readBytes?.ok !== false) && (
          <LineDiff before={before} after={file} read={read} />
        )}
      {file.state === 'conflicted' && (
        <p className="notice notice--warn" data-testid="file-conflict">
          {t.conflict}
        </p>
      )}
      {listed.length > 0 && (
        <>
          <h4 className="review-file__subheading">{t.votesHeading}</h4>
          <VoteList votes={listed} me={me} label={t.votesHeading} />
        </>
      )}
      {voting ? (
        <VoteForm
          api={api}
          request={request}
          file={file}
          mine={mine}
          onSaved={onSaved}
          onDirty={onDirty}
          onReload={onReload}
        />
      ) : (
        file.round === request.round && (
          <p className="review-file__cannot">
            <WhyNot can={file.can.vote} testId="vote-why-not" />
          </p>
        )
      )}
    </article>
  )
}

/** The exceptions the researcher asked for the file's failing checks, with their reasons. */
function Exceptions({ file }: { file: ExportFileView }) {
  const t = useStrings(airlockStrings).review
  const ruleLabel = useRuleLabel()
  const { language } = useLanguage()
  if (file.exceptions.length === 0) return null
  return (
    <>
      <h4 className="review-file__subheading">{t.exceptionsHeading}</h4>
      <ul className="exceptions">
        {file.exceptions.map((e) => (
          <li key={e.rule} className="exceptions__item" data-testid="file-exception" data-rule={e.rule}>
            <span className="exceptions__rule">{ruleLabel(e.rule)}</span>{' '}
            <span className="exceptions__by">
              {t.exceptionBy(e.requestedBy, formatDateTime(e.requestedAt, language))}
            </span>
            <p className="exceptions__reason">{e.reason}</p>
          </li>
        ))}
      </ul>
    </>
  )
}

function Provenance({ file }: { file: ExportFileView }) {
  const t = useStrings(airlockStrings).review
  const { language } = useLanguage()
  const p = file.provenance
  if (p === null || typeof p.source !== 'string' || p.source === '') return null
  const language_ = typeof p.language === 'string' ? p.language : ''
  return (
    <div className="provenance" data-testid="review-provenance">
      <h4 className="review-file__subheading">{t.provenance(language_ === 'python' ? 'Python' : 'SQL')}</h4>
      <p className="provenance__meta">
        {typeof p.rows === 'number' && t.provenanceRows(formatCount(p.rows, language))}
        {typeof p.exportedAt === 'string' && (
          <>
            {' '}
            <time dateTime={p.exportedAt}>{formatDateTime(p.exportedAt, language)}</time>
          </>
        )}
      </p>
      <pre className="provenance__source">{p.source}</pre>
      <Recount provenance={p} />
    </div>
  )
}

/** What the recount found (reviewers only: the requester's view has no counts or reasons). */
function Recount({ provenance }: { provenance: FileProvenance }) {
  const t = useStrings(airlockStrings).review
  const { language } = useLanguage()
  const recount = provenance.recount ?? null
  const df = provenance.residualDf
  const roles = Object.entries(recount?.declaredRoles ?? {})
  return (
    <div data-testid="review-recount">
      {recount !== null && typeof recount.unavailable === 'string' && (
        <p className="provenance__meta">{t.recountUnavailable(recount.unavailable)}</p>
      )}
      {recount !== null && typeof recount.person === 'string' && (
        <p className="provenance__meta">{t.recountDone(recount.person)}</p>
      )}
      {roles.length > 0 && (
        <p className="provenance__meta">
          {t.recountRoles}: {roles.map(([name, role]) => `${name} = ${String(role)}`).join(', ')}
        </p>
      )}
      {typeof df === 'number' && <p className="provenance__meta">{t.residualDf(formatCount(df, language))}</p>}
    </div>
  )
}
