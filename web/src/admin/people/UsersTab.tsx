import { useState } from 'react'
import type { ApiClient } from '../../api/client'
import { useApiChange, useApiQuery } from '../../api/query'
import type { AdminUser, HeldForApproval, IssuedEnrolmentFor } from '../../api/types'
import { formatDateTime } from '../../i18n/format'
import { useLanguage, useStrings } from '../../i18n/language'
import { LinkHalf } from '../approvals/LinkHalf'
import { ColumnHeads } from '../ColumnHeads'
import { Loaded, LoadError } from '../Loaded'
import { RowAction, SuspendOrReinstate } from '../RowAction'
import { useRecordQuestion } from '../record'
import { Confirm, Credentials } from './Confirm'
import { peopleStrings } from './strings'
import { UserForm } from './UserForm'

type Kind = 'edit' | 'suspend' | 'reinstate' | 'reset'

/** Either answer to a change of an account: made (with a link, for a new or reset account), or waiting for a second administrator. */
type Answer = IssuedEnrolmentFor | HeldForApproval | AdminUser

/**
 * Accounts: create, edit, suspend, reinstate, reset. A new or reset account comes with an
 * enrolment link for the person, never their secrets; a reviewer or administrator made, such a
 * role granted or removed, a holder moved to another organization, or such an account reset, waits
 * for a second administrator. An administrator holds no other role.
 */
export function UsersTab({ api }: { api: ApiClient }) {
  const t = useStrings(peopleStrings)
  const { language } = useLanguage()
  const users = useApiQuery(api, 'GET /api/v1/admin/users')
  const organizations = useApiQuery(api, 'GET /api/v1/admin/organizations')
  const orgs = organizations.data ?? []
  const change = useApiChange(api)
  // the account open is the URL's; what is open on it (its form, a question) is this screen's
  const { open, setOpen } = useRecordQuestion<Kind>('users', 'edit')
  const [issued, setIssued] = useState<IssuedEnrolmentFor | null>(null)
  const [held, setHeld] = useState<HeldForApproval | null>(null)

  /** Shows what became of a change: the link to hand on, or that it waits for another administrator (with part 1 of a link). */
  const answered = (answer: Answer) => {
    setIssued('enrolment' in answer ? answer : null)
    setHeld('pending' in answer ? answer : null)
  }

  const params = (id: string) => ({ params: { id } })

  return (
    <div className="admin-people" data-testid="admin-users">
      <h2>{t.users}</h2>
      <LoadError queries={[users, organizations]} />
      {issued !== null && (
        <Credentials
          heading={t.enrolmentHeading(issued.user.username)}
          intro={t.enrolmentIntro(formatDateTime(issued.enrolment.expiresAt, language))}
          rows={[[t.enrolmentLink, issued.enrolment.url]]}
          closeLabel={t.close}
          onClose={() => setIssued(null)}
        />
      )}
      {held !== null && (
        <div role="status" className="banner banner--info" data-testid="user-held">
          <p>{t.held}</p>
          <p>{held.pending.summary}</p>
        </div>
      )}
      {held?.enrolmentHalf !== undefined && (
        <LinkHalf half={held.enrolmentHalf} onClose={() => setHeld({ ...held, enrolmentHalf: undefined })} />
      )}
      <UserForm
        orgs={orgs}
        onSave={async (body) => {
          answered(await change('POST /api/v1/admin/users', { body }))
        }}
      />
      <Loaded query={users} loading={t.loading}>
        {(users) => (
          <table className="table">
            <ColumnHeads columns={[t.username, t.displayName, t.roles, t.organization, t.status, t.liveSessions, t.actions]} />
            <tbody>
              {users.map((u) => (
                <tr key={u.id} data-testid="user-row" data-username={u.username} data-status={u.status}>
                  <td>{u.username}</td>
                  <td>{u.displayName}</td>
                  <td>{u.roles.map((r) => t.role[r]).join(', ')}</td>
                  <td>
                    {u.organization === null
                      ? t.noOrganization
                      : `${u.organization.name}${u.organization.status === 'suspended' ? ` (${t.orgStatus.suspended})` : ''}`}
                  </td>
                  <td>
                    <span className={`badge badge--${u.status === 'active' ? 'ok' : 'warn'}`}>
                      {t.userStatus[u.status]}
                    </span>
                    {u.enrolledAt === null && (
                      <>
                        {' '}
                        <span className="badge badge--warn" data-testid="user-not-enrolled">
                          {t.notEnrolled}
                        </span>
                      </>
                    )}
                    {u.pendingChange !== null && (
                      <>
                        {' '}
                        <span className="badge badge--info" data-testid="user-pending">
                          {t.awaitingApproval}
                        </span>
                      </>
                    )}
                  </td>
                  <td data-testid="user-live-sessions">{u.liveSessions}</td>
                  <td>
                    <div className="button-row">
                      <RowAction tone="secondary" onClick={() => setOpen({ kind: 'edit', id: u.id })}>
                        {t.edit}
                      </RowAction>
                      <RowAction tone="secondary" onClick={() => setOpen({ kind: 'reset', id: u.id })}>
                        {t.resetCredentials}
                      </RowAction>
                      <SuspendOrReinstate
                        active={u.status === 'active'}
                        testIdPrefix="user"
                        suspendLabel={t.suspend}
                        reinstateLabel={t.reinstate}
                        onAsk={(kind) => setOpen({ kind, id: u.id })}
                      />
                    </div>
                    {open?.id === u.id && open.kind === 'edit' && (
                      <UserForm
                        user={u}
                        orgs={orgs}
                        onCancel={() => setOpen(null)}
                        onSave={async (body) => {
                          const { username: _ignored, ...changes } = body
                          answered(await change('PATCH /api/v1/admin/users/:id', { ...params(u.id), body: changes }))
                          setOpen(null)
                        }}
                      />
                    )}
                    {open?.id === u.id && open.kind !== 'edit' && (
                      <Confirm
                        testId="user-confirm"
                        question={
                          open.kind === 'suspend'
                            ? t.confirmSuspendUser(u.username)
                            : open.kind === 'reinstate'
                              ? t.confirmReinstateUser(u.username)
                              : t.confirmReset(u.username)
                        }
                        reasonLabel={open.kind === 'reset' ? t.reasonForApproval : t.reason}
                        confirmLabel={t.confirm}
                        cancelLabel={t.cancel}
                        danger={open.kind !== 'reinstate'}
                        onCancel={() => setOpen(null)}
                        onConfirm={async (reason) => {
                          const body = reason === '' ? {} : { reason }
                          if (open.kind === 'reset') {
                            answered(
                              await change('POST /api/v1/admin/users/:id/credentials', { ...params(u.id), body })
                            )
                          } else {
                            const action =
                              open.kind === 'suspend'
                                ? 'POST /api/v1/admin/users/:id/suspend'
                                : 'POST /api/v1/admin/users/:id/reinstate'
                            await change(action, { ...params(u.id), body })
                          }
                          setOpen(null)
                        }}
                      />
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Loaded>
    </div>
  )
}
