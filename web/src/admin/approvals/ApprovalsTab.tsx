import { useState } from 'react'
import type { ApiClient } from '../../api/client'
import { useApiChange, useApiQuery } from '../../api/query'
import type { ApprovedChange, PendingChangeView, Role, Weakening } from '../../api/types'
import { formatDateTime } from '../../i18n/format'
import { useLanguage, useStrings } from '../../i18n/language'
import { Loaded, LoadError } from '../Loaded'
import { RowAction } from '../RowAction'
import { Confirm } from '../people/Confirm'
import { useRecordQuestion } from '../record'
import { LinkHalf } from './LinkHalf'
import { approvalStrings } from './strings'

type Strings = (typeof approvalStrings)['en']
type Kind = 'approve' | 'refuse' | 'withdraw'

/** What a pending change would do, in the reader's language, from what exactly it changes. */
function describe(p: PendingChangeView, t: Strings): string {
  const c = p.change
  const roles = (rs: unknown) => (rs as Role[]).map((r) => t.role[r] ?? r).join(t.and)
  const added = (w: Weakening) => (w.to as string[]).filter((r) => !(w.from as string[]).includes(r)).join(', ')
  const weakenings = () =>
    (c.weakenings as Weakening[])
      .map((w) =>
        w.key === 'reviewers'
          ? t.weakening.reviewers(w.from, w.to)
          : w.key === 'exceptionRules'
            ? t.weakening.exceptionRules(added(w))
            : w.key === 'excludeRequesterOrganization' || w.key === 'partialRelease' || w.key === 'zerosDisclosive'
              ? t.weakening[w.key]
              : Array.isArray(w.to)
                ? t.weakening.adds(w.key, added(w))
                : t.weakening.changed(w.key, w.from, w.to)
      )
      .join('; ')
  switch (p.kind) {
    case 'user.create':
      return t.summary.create(String(c.username), String(c.displayName), roles(c.roles))
    case 'user.update': {
      const org = c.organization as { name: string | null } | undefined
      return [
        ...((c.granted as Role[]).length > 0 ? [t.summary.grant(roles(c.granted), String(c.username))] : []),
        ...((c.removed as Role[]).length > 0 ? [t.summary.remove(roles(c.removed), String(c.username))] : []),
        ...(org === undefined ? [] : [t.summary.move(String(c.username), org.name)])
      ].join('; ')
    }
    case 'user.credentials_reset':
      return t.summary.reset(String(c.username), roles(c.roles))
    case 'policy.update':
      return t.summary.policy(String(c.name), Number(c.baseVersion), weakenings())
    case 'project.policy':
      return t.summary.project(String(c.title), String(c.from), String(c.to), weakenings())
  }
}

/**
 * Changes waiting for a second administrator: who asked, why, and what exactly. Another
 * administrator approves (the change is carried out; part 2 of the link of an account it made or
 * reset is shown to them, once) or refuses with a reason; the asker may withdraw. Buttons not theirs to use
 * are not offered, and the reason is said.
 */
export function ApprovalsTab({ api }: { api: ApiClient }) {
  const t = useStrings(approvalStrings)
  const { language } = useLanguage()
  const [all, setAll] = useState(false)
  const changes = useApiQuery(api, 'GET /api/v1/admin/approvals', { query: all ? { state: 'all' } : {} })
  const change = useApiChange(api)
  const [approved, setApproved] = useState<ApprovedChange | null>(null)
  // the change open is the URL's (a link to it can be sent to the second administrator); the question on it is this screen's
  const { open, setOpen } = useRecordQuestion<Kind>('approvals', 'approve')

  return (
    <div className="admin-approvals" data-testid="admin-approvals">
      <h2>{t.heading}</h2>
      <p className="field__hint">{t.intro}</p>
      <label className="admin-form__check">
        <input type="checkbox" checked={all} onChange={(e) => setAll(e.target.checked)} /> {t.showDecided}
      </label>
      <LoadError queries={[changes]} />
      {approved?.enrolment != null && <LinkHalf half={approved.enrolment} onClose={() => setApproved(null)} />}
      {approved !== null && approved.enrolment === null && (
        <p role="status" className="banner banner--ok" data-testid="approval-done">
          {t.approved}
        </p>
      )}
      <Loaded query={changes} loading={t.loading}>
        {(changes) =>
          changes.length === 0 ? (
            <p data-testid="approvals-none">{t.none}</p>
          ) : (
            <ul className="admin-approvals__list">
              {changes.map((p) => {
                const summary = describe(p, t)
                return (
                  <li key={p.id} className="card" data-testid="approval" data-kind={p.kind} data-state={p.state}>
                    <p className="card__heading" data-testid="approval-summary">
                      {summary}
                    </p>
                    <p className="field__hint">
                      {t.asked(p.requestedBy.displayName, formatDateTime(p.requestedAt, language))}
                    </p>
                    <p>
                      <strong>{t.reason}:</strong> <span data-testid="approval-reason">{p.reason}</span>
                    </p>
                    {p.enrolledThrough !== null && (
                      <p className="field__hint" data-testid="approval-enrolled-through">
                        {t.enrolledThrough(
                          p.enrolledThrough.issuedBy.displayName,
                          formatDateTime(p.enrolledThrough.usedAt, language)
                        )}
                      </p>
                    )}
                    {p.kind === 'user.update' && p.change.reenrol === true && (
                      <p className="banner banner--info" data-testid="approval-reenrol">
                        {t.reenrol(String(p.change.username))}
                      </p>
                    )}
                    {typeof p.change.diff === 'string' && p.change.diff !== '' && (
                      <details>
                        <summary>{t.showDiff}</summary>
                        <pre className="admin-approvals__diff">{p.change.diff}</pre>
                      </details>
                    )}
                    {p.state !== 'pending' && p.decidedBy !== null && (
                      <p>
                        {t.decided(
                          t.state[p.state],
                          p.decidedBy.displayName,
                          formatDateTime(p.decidedAt ?? '', language)
                        )}
                        {p.decisionReason !== null && (
                          <>
                            {' — '}
                            {t.decisionReason}: {p.decisionReason}
                          </>
                        )}
                      </p>
                    )}
                    {p.state === 'pending' && (
                      <div className="button-row">
                        {p.mayApprove && (
                          <>
                            <RowAction
                              tone="primary"
                              onClick={() => setOpen({ kind: 'approve', id: p.id })}
                              testId="approval-approve"
                            >
                              {t.approve}
                            </RowAction>
                            <RowAction
                              tone="danger"
                              onClick={() => setOpen({ kind: 'refuse', id: p.id })}
                              testId="approval-refuse"
                            >
                              {t.refuse}
                            </RowAction>
                          </>
                        )}
                        {p.mayWithdraw && (
                          <RowAction
                            tone="secondary"
                            onClick={() => setOpen({ kind: 'withdraw', id: p.id })}
                            testId="approval-withdraw"
                          >
                            {t.withdraw}
                          </RowAction>
                        )}
                        {p.mayWithdraw && (
                          <span className="field__hint" data-testid="approval-why-not">
                            {t.yours}
                          </span>
                        )}
                      </div>
                    )}
                    {open?.id === p.id &&
                      p.state === 'pending' &&
                      (open.kind === 'withdraw' ? p.mayWithdraw : p.mayApprove) && (
                        <Confirm
                          testId="approval-confirm"
                          question={
                            open.kind === 'approve'
                              ? t.confirmApprove(summary)
                              : open.kind === 'refuse'
                                ? t.confirmRefuse(summary)
                                : t.confirmWithdraw
                          }
                          {...(open.kind === 'refuse' ? { reasonLabel: t.refuseReason } : {})}
                          confirmLabel={t.confirm}
                          cancelLabel={t.cancel}
                          danger={open.kind === 'refuse'}
                          onCancel={() => setOpen(null)}
                          onConfirm={async (reason) => {
                            const params = { id: p.id }
                            if (open.kind === 'approve') {
                              setApproved(await change('POST /api/v1/admin/approvals/:id/approve', { params }))
                            } else if (open.kind === 'refuse') {
                              await change('POST /api/v1/admin/approvals/:id/refuse', { params, body: { reason } })
                              setApproved(null)
                            } else {
                              await change('POST /api/v1/admin/approvals/:id/withdraw', { params })
                              setApproved(null)
                            }
                            setOpen(null)
                          }}
                        />
                      )}
                  </li>
                )
              })}
            </ul>
          )
        }
      </Loaded>
    </div>
  )
}
