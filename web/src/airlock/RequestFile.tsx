import { useState } from 'react'
import type { ExceptionBody, ExportFileView, ExportRequestView } from '../api/types'
import { formatBytes, formatDateTime } from '../i18n/format'
import { useLanguage, useStrings } from '../i18n/language'
import { isFinal } from './airlock-format'
import { CheckResults, FileStateBadge, OutcomeBadge, useRuleLabel } from './Badges'
import { VoteList } from './Decisions'
import { ExceptionForm } from './ExceptionForm'
import { GatedButton, WhyNot } from './Gated'
import { ArchiveListing } from './Preview'
import { airlockStrings } from './strings'

/** Outputs the checks read as text, numbering lines where a table numbers rows. */
const TEXT_OUTPUT = /\.(txt|md)$/i

interface Props {
  request: ExportRequestView
  file: ExportFileView
  /** the file being downloaded, if any */
  downloading: string | null
  onDownload(file: ExportFileView): void
  onAskException(file: ExportFileView, body: ExceptionBody): Promise<void>
}

/**
 * One file of the researcher's request: where it stands, what the checks found, the exceptions
 * asked for it (and a way to ask one while the server allows it), the reviewers' votes and the
 * comments meant for the researcher once the round is decided, and its download once released.
 */
export function RequestFile({ request, file, downloading, onDownload, onAskException }: Props) {
  const s = useStrings(airlockStrings)
  const t = s.request
  const ruleLabel = useRuleLabel()
  const { language } = useLanguage()
  const [asking, setAsking] = useState(false)
  const isImport = request.direction === 'import'
  const current = file.round === request.round
  // offered on a failing file while the request can still change, until every failing check has the
  // exception an approval needs; whether one can be asked now is the server's
  const exceptionOffered =
    !isImport && current && file.outcome === 'fail' && !isFinal(request.state) && file.can.approve?.ok !== true
  return (
    <li className="request-file" data-testid="request-file" data-file={file.name} data-state={file.state}>
      <div className="request-file__head">
        <span className="request-file__name">{file.name}</span>
        <OutcomeBadge outcome={file.outcome} testId="file-outcome" />
        {!isImport && <FileStateBadge state={file.state} />}
        <span className="request-file__size">{formatBytes(file.size, language)}</span>
        {current && request.state === 'released' && !isImport && (
          <span className="request-file__download">
            <GatedButton
              can={file.can.download}
              busy={downloading !== null}
              className="button button--primary button--small"
              ariaLabel={t.downloadLabel(file.name)}
              file={file.name}
              testId="request-download"
              onClick={() => onDownload(file)}
            >
              {downloading === file.id ? t.downloading : t.download}
            </GatedButton>
          </span>
        )}
      </div>
      <p className="request-file__why">
        <span className="request-file__label">{t.justification}</span> {file.justification}
      </p>
      <CheckResults checks={file.checks} own={!isImport} lines={TEXT_OUTPUT.test(file.name)} />
      {file.listing !== null && (
        <div className="request-file__entries">
          <h5 className="request-file__entries-heading">{t.entriesHeading}</h5>
          <ArchiveListing file={file} testId="import-entries" />
        </div>
      )}
      {file.exceptions.length > 0 && (
        <div className="request-file__exceptions">
          <h5 className="request-file__entries-heading">{t.exceptionsHeading}</h5>
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
        </div>
      )}
      {exceptionOffered && file.can.approve !== undefined && (
        <p className="notice notice--warn request-file__blocked" data-testid="approve-blocked">
          {t.approveBlocked} <WhyNot can={file.can.approve} testId="approve-blocked-why" />
        </p>
      )}
      {exceptionOffered && !asking && (
        <div className="button-row">
          <GatedButton
            can={file.can.askException}
            className="button button--secondary button--small"
            ariaLabel={t.askExceptionLabel(file.name)}
            file={file.name}
            testId="ask-exception"
            onClick={() => setAsking(true)}
          >
            {t.askException}
          </GatedButton>
        </div>
      )}
      {asking && (
        <ExceptionForm
          file={file}
          onCancel={() => setAsking(false)}
          onSubmit={async (body) => {
            await onAskException(file, body)
            setAsking(false)
          }}
        />
      )}
      {file.votes.length > 0 && (
        <div className="request-file__votes">
          <h5 className="request-file__entries-heading">{t.votesHeading}</h5>
          <VoteList votes={file.votes} label={s.votes.label(file.name)} />
        </div>
      )}
    </li>
  )
}
