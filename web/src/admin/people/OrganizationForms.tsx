import { useId, useState } from 'react'
import type { Args } from '../../api/endpoints'
import type { AdminOrganization, CertificationStatus } from '../../api/types'
import { useStrings } from '../../i18n/language'
import { FormFooter, useFormSubmit } from '../FormFooter'
import { peopleStrings } from './strings'

// The forms of the organizations tab: each shows the server's refusal beside itself.

type NewOrganization = Args<'POST /api/v1/admin/organizations'>['body']

export function RenameForm(props: { initial: string; onSave(name: string): Promise<void>; onCancel(): void }) {
  const t = useStrings(peopleStrings)
  const id = useId()
  const [name, setName] = useState(props.initial)
  const { error, submit } = useFormSubmit(() => props.onSave(name))
  return (
    <form className="admin-confirm" onSubmit={submit} onKeyDown={(e) => e.key === 'Escape' && props.onCancel()}>
      <div className="field">
        <label htmlFor={`${id}-n`}>{t.name}</label>
        <input id={`${id}-n`} autoFocus value={name} maxLength={200} onChange={(e) => setName(e.target.value)} />
      </div>
      <FormFooter error={error} submitLabel={t.save} cancelLabel={t.cancel} onCancel={props.onCancel} />
    </form>
  )
}

export function CertificationForm(props: {
  org: AdminOrganization
  onSave(body: {
    number: string
    validFrom: string
    validTo: string
    status: CertificationStatus
    reason?: string
  }): Promise<void>
  onCancel(): void
}) {
  const t = useStrings(peopleStrings)
  const id = useId()
  const c = props.org.certification
  const [number, setNumber] = useState(c?.number ?? '')
  const [validFrom, setFrom] = useState(c?.validFrom ?? '')
  const [validTo, setTo] = useState(c?.validTo ?? '')
  const [status, setStatus] = useState<CertificationStatus>(c?.status ?? 'active')
  const [reason, setReason] = useState('')
  const { error, submit } = useFormSubmit(() =>
    props.onSave({ number, validFrom, validTo, status, ...(reason.trim() ? { reason: reason.trim() } : {}) })
  )
  return (
    <form
      className="admin-confirm admin-form"
      onSubmit={submit}
      onKeyDown={(e) => e.key === 'Escape' && props.onCancel()}
      data-testid="certification-form"
    >
      <div className="field">
        <label htmlFor={`${id}-num`}>{t.number}</label>
        <input id={`${id}-num`} autoFocus value={number} maxLength={32} onChange={(e) => setNumber(e.target.value)} />
      </div>
      <div className="field">
        <label htmlFor={`${id}-from`}>{t.from}</label>
        <input id={`${id}-from`} type="date" value={validFrom} onChange={(e) => setFrom(e.target.value)} />
      </div>
      <div className="field">
        <label htmlFor={`${id}-to`}>{t.to}</label>
        <input id={`${id}-to`} type="date" value={validTo} onChange={(e) => setTo(e.target.value)} />
      </div>
      <div className="field">
        <label htmlFor={`${id}-st`}>{t.certStatus}</label>
        <select id={`${id}-st`} value={status} onChange={(e) => setStatus(e.target.value as CertificationStatus)}>
          {(['active', 'suspended', 'revoked'] as const).map((s) => (
            <option key={s} value={s}>
              {t.certRecordedStatus[s]}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor={`${id}-r`}>{t.reason}</label>
        <input id={`${id}-r`} value={reason} maxLength={500} onChange={(e) => setReason(e.target.value)} />
      </div>
      <FormFooter
        error={error}
        errorTestId="form-error"
        submitLabel={t.save}
        cancelLabel={t.cancel}
        onCancel={props.onCancel}
      />
    </form>
  )
}

export function CreateOrganization({ onCreate }: { onCreate(body: NewOrganization): Promise<void> }) {
  const t = useStrings(peopleStrings)
  const id = useId()
  const empty = { name: '', number: '', validFrom: '', validTo: '' }
  const [form, setForm] = useState(empty)
  const set = (k: keyof typeof empty) => (e: { target: { value: string } }) => setForm({ ...form, [k]: e.target.value })
  const { error, submit } = useFormSubmit(
    () =>
      onCreate({
        name: form.name,
        certification: { number: form.number, validFrom: form.validFrom, validTo: form.validTo }
      }),
    () => setForm(empty)
  )
  return (
    <details className="admin-create">
      <summary>{t.createOrganization}</summary>
      <form className="admin-form" onSubmit={submit} noValidate data-testid="create-organization">
        <div className="field">
          <label htmlFor={`${id}-n`}>{t.name}</label>
          <input id={`${id}-n`} value={form.name} maxLength={200} onChange={set('name')} required />
        </div>
        <div className="field">
          <label htmlFor={`${id}-num`}>{t.number}</label>
          <p className="field__hint">{t.numberHint}</p>
          <input id={`${id}-num`} value={form.number} maxLength={32} onChange={set('number')} required />
        </div>
        <div className="field">
          <label htmlFor={`${id}-f`}>{t.from}</label>
          <input id={`${id}-f`} type="date" value={form.validFrom} onChange={set('validFrom')} required />
        </div>
        <div className="field">
          <label htmlFor={`${id}-t`}>{t.to}</label>
          <input id={`${id}-t`} type="date" value={form.validTo} onChange={set('validTo')} required />
        </div>
        {error !== null && (
          <p className="field__error" role="alert" data-testid="form-error">
            {error}
          </p>
        )}
        <button type="submit" className="button button--primary">
          {t.create}
        </button>
      </form>
    </details>
  )
}
