import { useEffect, useId, useRef, useState, type FormEvent } from 'react'
import { ApiError, type ApiClient } from '../api/client'
import type { ExportFileView, ExportRequestView, ReviewDecision, VoteBody, VoteView } from '../api/types'
import { useStrings } from '../i18n/language'
import { errorText } from '../workspace/workspace-files'
import { Acknowledgements, ackKey, acksComplete, type AckAnswers } from './Acknowledgements'
import { WhyNot } from './Gated'
import { airlockStrings } from './strings'

const DECISIONS: ReviewDecision[] = ['approve', 'return', 'reject']

type Visibility = VoteView['commentVisibility']

interface Draft {
  vote: ReviewDecision | null
  comment: string
  visibility: Visibility
  answers: AckAnswers
}

/** The form as the reviewer's saved vote left it, or empty. */
function draftOf(mine: VoteView | undefined): Draft {
  if (mine === undefined) return { vote: null, comment: '', visibility: 'researcher', answers: {} }
  return {
    vote: mine.vote,
    comment: mine.comment ?? '',
    visibility: mine.commentVisibility,
    answers: Object.fromEntries(mine.acknowledgements.map((a) => [ackKey(a.rule, a.kind), a.comment ?? '']))
  }
}

const same = (a: Draft, b: Draft) =>
  a.vote === b.vote &&
  a.comment.trim() === b.comment.trim() &&
  (a.comment.trim() === '' || a.visibility === b.visibility) &&
  (a.vote !== 'approve' || JSON.stringify(a.answers) === JSON.stringify(b.answers))

interface Props {
  api: ApiClient
  request: ExportRequestView
  file: ExportFileView
  /** the reviewer's own vote on the file, a draft until their review is submitted */
  mine: VoteView | undefined
  onSaved(view: ExportRequestView): void
  /** tells the page which files hold changes not saved yet, so the review is not submitted without them */
  onDirty(fileId: string, dirty: boolean): void
  /** the server refused because the request moved on: reading it again shows why */
  onReload(): void
}

/**
 * The reviewer's vote on one file: approve (only where the server says the file can be, and with
 * each acknowledgement it needs), return or reject (with a comment), the comment's readers, and a
 * save that keeps it as a draft until the review is submitted. It starts from the vote the server
 * holds; a request read again (after a refusal) mounts it afresh.
 */
export function VoteForm({ api, request, file, mine, onSaved, onDirty, onReload }: Props) {
  const s = useStrings(airlockStrings)
  const t = s.review.vote
  const saved = useRef(draftOf(mine))
  const [draft, setDraft] = useState<Draft>(saved.current)
  const [attempted, setAttempted] = useState(false)
  const [error, setError] = useState<{ text: string; stale: boolean } | null>(null)
  const [sending, setSending] = useState(false)
  const [done, setDone] = useState(false)
  const id = useId()
  const approvable = file.can.approve?.ok !== false
  const needsComment = draft.vote === 'return' || draft.vote === 'reject'
  const commentMissing = attempted && needsComment && draft.comment.trim() === ''
  const acksMissing = attempted && draft.vote === 'approve' && !acksComplete(file, draft.answers)
  const dirty = !same(draft, saved.current)

  useEffect(() => onDirty(file.id, dirty), [onDirty, file.id, dirty])
  useEffect(() => () => onDirty(file.id, false), [onDirty, file.id])

  const change = (next: Partial<Draft>) => {
    setDraft((d) => ({ ...d, ...next }))
    setDone(false)
    setError(null)
  }

  async function save(e: FormEvent) {
    e.preventDefault()
    setAttempted(true)
    setDone(false)
    const { vote } = draft
    // what the form itself can tell is missing; the gateway judges the rest, and says why
    if (vote === null) return setError({ text: t.pick, stale: false })
    const comment = draft.comment.trim()
    if (needsComment && comment === '') return setError({ text: t.commentRequired(s.decisions[vote]), stale: false })
    if (vote === 'approve' && !acksComplete(file, draft.answers)) return setError({ text: t.ackMissing, stale: false })
    const body: VoteBody = {
      round: request.round,
      sha256: file.sha256,
      vote,
      ...(comment === '' ? {} : { comment, commentVisibility: draft.visibility }),
      ...(vote === 'approve'
        ? {
            acknowledgements: file.acknowledgementsNeeded.map(({ rule, kind }) => {
              const answer = draft.answers[ackKey(rule, kind)]
              return typeof answer === 'string' && answer.trim() !== ''
                ? { rule, kind, comment: answer.trim() }
                : { rule, kind }
            })
          }
        : {})
    }
    setSending(true)
    setError(null)
    try {
      const view = await api.voteOnFile(request.id, file.id, body)
      saved.current = draft
      setDone(true)
      onSaved(view)
    } catch (err) {
      setError({ text: errorText(err), stale: err instanceof ApiError && err.status === 409 })
    } finally {
      setSending(false)
    }
  }

  return (
    <form
      className="decision-form vote-form"
      onSubmit={(e) => void save(e)}
      noValidate
      data-testid="vote-form"
      data-file={file.name}
    >
      <fieldset className="decision-form__choices">
        <legend className="decision-form__legend">{t.legend(file.name)}</legend>
        {DECISIONS.map((d) => {
          const disabled = d === 'approve' && !approvable
          return (
            <div key={d} className={`decision-form__choice decision-form__choice--${d}`}>
              <input
                id={`${id}-${d}`}
                type="radio"
                name={`${id}-vote`}
                value={d}
                checked={draft.vote === d}
                disabled={disabled}
                onChange={() => change({ vote: d })}
                aria-describedby={`${id}-${d}-hint`}
                data-testid={`vote-${d}`}
              />
              <label htmlFor={`${id}-${d}`}>{s.decisions[d]}</label>
              <p id={`${id}-${d}-hint`} className="field__hint decision-form__hint">
                {disabled ? <WhyNot can={file.can.approve} testId="vote-approve-why" /> : t.hints[d]}
              </p>
            </div>
          )
        })}
      </fieldset>
      {draft.vote === 'approve' && (
        <Acknowledgements
          file={file}
          answers={draft.answers}
          invalid={acksMissing}
          onChange={(key, value) => change({ answers: { ...draft.answers, [key]: value } })}
        />
      )}
      <div className="decision-form__comment">
        <label htmlFor={`${id}-comment`}>
          {t.comment} {needsComment ? t.required : t.optional}
        </label>
        <p id={`${id}-comment-hint`} className="field__hint">
          {t.commentHint}
        </p>
        <textarea
          id={`${id}-comment`}
          className="decision-form__text"
          value={draft.comment}
          onChange={(e) => change({ comment: e.target.value })}
          rows={3}
          maxLength={4000}
          required={needsComment}
          aria-invalid={commentMissing}
          aria-describedby={`${id}-comment-hint`}
          data-testid="vote-comment"
        />
      </div>
      <fieldset className="vote-form__visibility">
        <legend className="decision-form__legend">{t.visibility}</legend>
        {(['researcher', 'reviewers'] as const).map((v) => (
          <span key={v} className="vote-form__option">
            <input
              id={`${id}-vis-${v}`}
              type="radio"
              name={`${id}-visibility`}
              checked={draft.visibility === v}
              onChange={() => change({ visibility: v })}
              data-testid={`vote-visibility-${v}`}
            />
            <label htmlFor={`${id}-vis-${v}`}>
              {v === 'researcher' ? t.visibilityResearcher : t.visibilityReviewers}
            </label>
          </span>
        ))}
      </fieldset>
      {error !== null && (
        <div className="error-message" role="alert" data-testid="vote-error">
          <p>{error.text}</p>
          {error.stale && (
            <button type="button" className="button button--secondary button--small" onClick={onReload}>
              {s.review.submit.reload}
            </button>
          )}
        </div>
      )}
      <div className="button-row">
        <button type="submit" className="button button--secondary" disabled={sending} data-testid="vote-save">
          {sending ? t.saving : t.save}
        </button>
        {dirty && <span className="vote-form__unsaved">{t.unsaved}</span>}
        {done && !dirty && (
          <span className="vote-form__saved" role="status" data-testid="vote-saved">
            {t.saved}
          </span>
        )}
      </div>
    </form>
  )
}
