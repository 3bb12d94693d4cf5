import { useState } from 'react'
import type { ApiClient } from '../api/client'
import type { ExportRequestView, SubmitFile } from '../api/types'
import { useStrings } from '../i18n/language'
import { errorText } from '../workspace/workspace-files'
import { canWithdraw, filesOfRound } from './airlock-format'
import { OutboxPicker, type InitialPick } from './OutboxPicker'
import { airlockStrings } from './strings'

type Resend =
  | { kind: 'closed' }
  | { kind: 'looking' }
  | { kind: 'no-session'; starting: boolean }
  | { kind: 'picking'; sessionId: string }

interface Props {
  api: ApiClient
  detail: ExportRequestView
  /** the running session of the workspace the card is shown in; null on the overview */
  sessionId: string | null
  onOpenWorkspace?(projectId: string): void
  /** the request changed: the new view, and what to tell the researcher */
  onChanged(view: ExportRequestView, text: string): void
  onError(text: string | null): void
}

/**
 * What the researcher can do with an export request: withdraw it while nothing is decided, and
 * send a returned one again with corrected files from the outbox of a running session of its
 * project (with exceptions for the checks that failed in the round returned).
 */
export function RequestActions({ api, detail, sessionId, onOpenWorkspace, onChanged, onError }: Props) {
  const t = useStrings(airlockStrings).request
  const [confirming, setConfirming] = useState(false)
  const [busy, setBusy] = useState(false)
  const [resend, setResend] = useState<Resend>({ kind: 'closed' })
  const state = detail.state

  async function withdraw() {
    setBusy(true)
    onError(null)
    try {
      const view = await api.withdrawExport(detail.id)
      setConfirming(false)
      onChanged(view, t.withdrawn)
    } catch (err) {
      onError(errorText(err))
    } finally {
      setBusy(false)
    }
  }

  async function startResend() {
    onError(null)
    if (sessionId !== null) {
      setResend({ kind: 'picking', sessionId })
      return
    }
    setResend({ kind: 'looking' })
    try {
      const sessions = (await api.listSessions()).filter((x) => x.projectId === detail.projectId)
      const running = sessions.find((x) => x.state === 'running')
      setResend(
        running !== undefined
          ? { kind: 'picking', sessionId: running.id }
          : { kind: 'no-session', starting: sessions.some((x) => x.state === 'starting') }
      )
    } catch (err) {
      setResend({ kind: 'closed' })
      onError(errorText(err))
    }
  }

  async function sendAgain(session: string, files: SubmitFile[]) {
    const view = await api.resubmitExport(detail.id, { sessionId: session, files })
    setResend({ kind: 'closed' })
    onChanged(view, t.resent(view.round))
  }

  // the server's verdicts (the same checks the actions go through); the states alone for an older gateway
  const mayWithdraw = detail.can.withdraw?.ok ?? canWithdraw(state)
  const mayResend = detail.can.resubmit?.ok ?? state === 'returned'
  if (!mayWithdraw && !mayResend) return null
  // the files of the round returned, with the checks that failed in it that the policy lets be excepted
  const initial: InitialPick[] = filesOfRound(detail, detail.round).map((f) => ({
    name: f.name,
    justification: f.justification,
    exceptable: [
      ...new Set(
        f.checks.filter((c) => c.outcome === 'fail' && detail.exceptionRules.includes(c.rule)).map((c) => c.rule)
      )
    ]
  }))
  return (
    <>
      <div className="button-row request__actions">
        {mayResend && resend.kind === 'closed' && (
          <button
            type="button"
            className="button button--primary button--small"
            onClick={() => void startResend()}
            data-testid="request-resend"
          >
            {t.resend}
          </button>
        )}
        {mayWithdraw && !confirming && (
          <button
            type="button"
            className="button button--secondary button--small"
            onClick={() => {
              setConfirming(true)
              onError(null)
            }}
            data-testid="request-withdraw"
          >
            {t.withdraw}
          </button>
        )}
      </div>
      {confirming && (
        <div
          className="inline-confirm"
          role="group"
          aria-label={t.withdraw}
          onKeyDown={(e) => {
            if (e.key === 'Escape') setConfirming(false)
          }}
        >
          <p>{t.confirmWithdraw}</p>
          <button
            type="button"
            className="button button--danger button--small"
            disabled={busy}
            onClick={() => void withdraw()}
            data-testid="request-withdraw-confirm"
          >
            {t.withdrawConfirm}
          </button>
          <button
            type="button"
            className="button button--secondary button--small"
            onClick={() => setConfirming(false)}
            autoFocus
          >
            {t.cancel}
          </button>
        </div>
      )}
      {mayResend && resend.kind === 'looking' && <p role="status">{t.lookingForSession}</p>}
      {mayResend && resend.kind === 'no-session' && (
        <div className="notice notice--warn request__no-session" role="alert" data-testid="resend-no-session">
          <p>{resend.starting ? t.sessionStarting : t.noSession}</p>
          <div className="button-row">
            {onOpenWorkspace !== undefined && !resend.starting && (
              <button
                type="button"
                className="button button--primary button--small"
                onClick={() => onOpenWorkspace(detail.projectId)}
                data-testid="resend-open-workspace"
              >
                {t.openWorkspace}
              </button>
            )}
            <button type="button" className="button button--secondary button--small" onClick={() => void startResend()}>
              {t.lookAgain}
            </button>
            <button
              type="button"
              className="button button--secondary button--small"
              onClick={() => setResend({ kind: 'closed' })}
            >
              {t.cancel}
            </button>
          </div>
        </div>
      )}
      {mayResend && resend.kind === 'picking' && (
        <OutboxPicker
          api={api}
          sessionId={resend.sessionId}
          mode="resubmit"
          initial={initial}
          onSubmit={(picked) => sendAgain(resend.sessionId, picked)}
          onCancel={() => setResend({ kind: 'closed' })}
        />
      )}
    </>
  )
}
