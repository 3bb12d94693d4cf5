import { useCallback, useEffect, useId, useState, type FormEvent } from 'react'
import { serverMessage, type ApiClient } from '../../api/client'
import type { AdminOrganization, AdminUser, HeldForApproval, IssuedEnrolmentFor, Role } from '../../api/types'
import { formatDateTime } from '../../i18n/format'
import { useLanguage, useStrings } from '../../i18n/language'
import { LinkHalf } from '../approvals/LinkHalf'
import { Confirm, Credentials } from './Confirm'
import { peopleStrings } from './strings'

const ROLES: Role[] = ['researcher', 'reviewer', 'admin']
type Open = { kind: 'edit' | 'suspend' | 'reinstate' | 'reset'; id: string } | null

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
  const [users, setUsers] = useState<AdminUser[] | null>(null)
  const [orgs, setOrgs] = useState<AdminOrganization[]>([])
  const [error, setError] = useState<string | null>(null)
  const [open, setOpen] = useState<Open>(null)
  const [issued, setIssued] = useState<IssuedEnrolmentFor | null>(null)
  const [held, setHeld] = useState<HeldForApproval | null>(null)

  /** Shows what became of a change: the link to hand on, or that it waits for another administrator (with part 1 of a link). */
  const answered = (answer: Answer) => {
    setIssued('enrolment' in answer ? answer : null)
    setHeld('pending' in answer ? answer : null)
  }

  const load = useCallback(async () => {
    try {
      const [u, o] = await Promise.all([
        api.call<AdminUser[]>('GET', '/api/v1/admin/users'),
        api.call<AdminOrganization[]>('GET', '/api/v1/admin/organizations')
      ])
      setUsers(u)
      setOrgs(o)
      setError(null)
    } catch (err) {
      setError(serverMessage(err))
    }
  }, [api])
  useEffect(() => void load(), [load])

  const path = (id: string, rest = '') => `/api/v1/admin/users/${encodeURIComponent(id)}${rest}`
  const done = async () => {
    setOpen(null)
    await load()
  }

  return (
    <div className="admin-people" data-testid="admin-users">
      <h2>{t.users}</h2>
      {error !== null && (
        <p className="field__error" role="alert">
          {error}
        </p>
      )}
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
          answered(await api.call<Answer>('POST', '/api/v1/admin/users', body))
          await load()
        }}
      />
      {users === null ? (
        <p>{t.loading}</p>
      ) : (
        <table className="table">
          <thead>
            <tr>
              <th scope="col">{t.username}</th>
              <th scope="col">{t.displayName}</th>
              <th scope="col">{t.roles}</th>
              <th scope="col">{t.organization}</th>
              <th scope="col">{t.status}</th>
              <th scope="col">{t.liveSessions}</th>
              <th scope="col">{t.actions}</th>
            </tr>
          </thead>
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
                    <button
                      type="button"
                      className="button button--small button--secondary"
                      onClick={() => setOpen({ kind: 'edit', id: u.id })}
                    >
                      {t.edit}
                    </button>
                    <button
                      type="button"
                      className="button button--small button--secondary"
                      onClick={() => setOpen({ kind: 'reset', id: u.id })}
                    >
                      {t.resetCredentials}
                    </button>
                    {u.status === 'active' ? (
                      <button
                        type="button"
                        className="button button--small button--danger"
                        onClick={() => setOpen({ kind: 'suspend', id: u.id })}
                        data-testid="user-suspend"
                      >
                        {t.suspend}
                      </button>
                    ) : (
                      <button
                        type="button"
                        className="button button--small button--secondary"
                        onClick={() => setOpen({ kind: 'reinstate', id: u.id })}
                        data-testid="user-reinstate"
                      >
                        {t.reinstate}
                      </button>
                    )}
                  </div>
                  {open?.id === u.id && open.kind === 'edit' && (
                    <UserForm
                      user={u}
                      orgs={orgs}
                      onCancel={() => setOpen(null)}
                      onSave={async (body) => {
                        const { username: _ignored, ...changes } = body
                        answered(await api.call<Answer>('PATCH', path(u.id), changes))
                        await done()
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
                        if (open.kind === 'reset') {
                          answered(
                            await api.call<Answer>('POST', path(u.id, '/credentials'), reason === '' ? {} : { reason })
                          )
                        } else {
                          await api.call('POST', path(u.id, `/${open.kind}`), reason === '' ? {} : { reason })
                        }
                        await done()
                      }}
                    />
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  )
}

interface UserBody {
  username: string
  displayName: string
  roles: Role[]
  organizationId: string | null
  /** for a second administrator, when a reviewer or administrator is made, granted, removed, moved or reset */
  reason?: string
}

/** Creates an account (no `user`) or edits one; the server's refusal is shown next to the form. */
function UserForm(props: {
  user?: AdminUser
  orgs: AdminOrganization[]
  onSave(body: UserBody): Promise<void>
  onCancel?(): void
}) {
  const t = useStrings(peopleStrings)
  const id = useId()
  const initial: UserBody = {
    username: props.user?.username ?? '',
    displayName: props.user?.displayName ?? '',
    roles: props.user?.roles ?? ['researcher'],
    organizationId: props.user?.organization?.id ?? null
  }
  const [form, setForm] = useState(initial)
  const [error, setError] = useState<string | null>(null)
  async function submit(e: FormEvent) {
    e.preventDefault()
    try {
      const { reason, ...rest } = form
      await props.onSave(reason?.trim() ? { ...rest, reason: reason.trim() } : rest)
      if (props.user === undefined) setForm(initial)
      setError(null)
    } catch (err) {
      setError(serverMessage(err))
    }
  }
  const fields = (
    <form
      className={props.user ? 'admin-confirm admin-form' : 'admin-form'}
      onSubmit={(e) => void submit(e)}
      onKeyDown={(e) => e.key === 'Escape' && props.onCancel?.()}
      noValidate
      data-testid={props.user ? 'edit-user' : 'create-user'}
    >
      {props.user === undefined && (
        <div className="field">
          <label htmlFor={`${id}-u`}>{t.username}</label>
          <input
            id={`${id}-u`}
            value={form.username}
            maxLength={32}
            autoComplete="off"
            onChange={(e) => setForm({ ...form, username: e.target.value })}
          />
        </div>
      )}
      <div className="field">
        <label htmlFor={`${id}-d`}>{t.displayName}</label>
        <input
          id={`${id}-d`}
          autoFocus={props.user !== undefined}
          value={form.displayName}
          maxLength={200}
          onChange={(e) => setForm({ ...form, displayName: e.target.value })}
        />
      </div>
      <fieldset className="field">
        <legend>{t.roles}</legend>
        <p className="field__hint">{t.rolesHint}</p>
        {ROLES.map((r) => (
          <label key={r} className="admin-form__check">
            <input
              type="checkbox"
              checked={form.roles.includes(r)}
              onChange={(e) =>
                setForm({ ...form, roles: e.target.checked ? [...form.roles, r] : form.roles.filter((x) => x !== r) })
              }
            />{' '}
            {t.role[r]}
          </label>
        ))}
      </fieldset>
      <div className="field">
        <label htmlFor={`${id}-o`}>{t.organization}</label>
        <select
          id={`${id}-o`}
          value={form.organizationId ?? ''}
          onChange={(e) => setForm({ ...form, organizationId: e.target.value === '' ? null : e.target.value })}
        >
          <option value="">{t.noOrganization}</option>
          {props.orgs.map((o) => (
            <option key={o.id} value={o.id}>
              {o.name}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor={`${id}-r`}>{t.reasonForApproval}</label>
        <input
          id={`${id}-r`}
          value={form.reason ?? ''}
          maxLength={500}
          onChange={(e) => setForm({ ...form, reason: e.target.value })}
          data-testid="user-reason"
        />
      </div>
      {error !== null && (
        <p className="field__error" role="alert" data-testid="form-error">
          {error}
        </p>
      )}
      <div className="button-row">
        <button type="submit" className="button button--small button--primary">
          {props.user ? t.save : t.create}
        </button>
        {props.onCancel && (
          <button type="button" className="button button--small button--secondary" onClick={props.onCancel}>
            {t.cancel}
          </button>
        )}
      </div>
    </form>
  )
  return props.user ? (
    fields
  ) : (
    <details className="admin-create">
      <summary>{t.createUser}</summary>
      {fields}
    </details>
  )
}
