import { useId, useState } from 'react'
import type { Args } from '../../api/endpoints'
import type { AdminOrganization, AdminUser, Role } from '../../api/types'
import { useStrings } from '../../i18n/language'
import { FormFooter, useFormSubmit } from '../FormFooter'
import { peopleStrings } from './strings'

const ROLES: Role[] = ['researcher', 'reviewer', 'admin']

/** A new account; an edit sends the same but the username. The reason is for a second administrator. */
type UserBody = Args<'POST /api/v1/admin/users'>['body']

/** Creates an account (no `user`) or edits one; the server's refusal is shown next to the form. */
export function UserForm(props: {
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
  const { error, submit } = useFormSubmit(
    () => {
      const { reason, ...rest } = form
      return props.onSave(reason?.trim() ? { ...rest, reason: reason.trim() } : rest)
    },
    () => props.user === undefined && setForm(initial)
  )
  const fields = (
    <form
      className={props.user ? 'admin-confirm admin-form' : 'admin-form'}
      onSubmit={submit}
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
      <FormFooter
        error={error}
        errorTestId="form-error"
        submitLabel={props.user ? t.save : t.create}
        cancelLabel={t.cancel}
        onCancel={props.onCancel}
      />
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
