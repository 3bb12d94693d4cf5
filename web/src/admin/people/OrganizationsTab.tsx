import { useCallback, useEffect, useId, useState, type FormEvent } from 'react'
import { serverMessage, type ApiClient } from '../../api/client'
import type { AdminOrganization, CertificationStatus } from '../../api/types'
import { useStrings } from '../../i18n/language'
import { Confirm } from './Confirm'
import { peopleStrings } from './strings'

type Open = { kind: 'rename' | 'certification' | 'suspend' | 'reinstate'; id: string } | null

/** Organizations with their Type II certification: register, rename, record the certification, suspend. */
export function OrganizationsTab({ api }: { api: ApiClient }) {
  const t = useStrings(peopleStrings)
  const [orgs, setOrgs] = useState<AdminOrganization[] | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [open, setOpen] = useState<Open>(null)

  const load = useCallback(async () => {
    try {
      setOrgs(await api.call<AdminOrganization[]>('GET', '/api/v1/admin/organizations'))
      setError(null)
    } catch (err) {
      setError(serverMessage(err))
    }
  }, [api])
  useEffect(() => void load(), [load])

  const path = (id: string, rest = '') => `/api/v1/admin/organizations/${encodeURIComponent(id)}${rest}`
  const done = async () => {
    setOpen(null)
    await load()
  }

  return (
    <div className="admin-people" data-testid="admin-organizations">
      <h2>{t.organizations}</h2>
      {error !== null && (
        <p className="field__error" role="alert">
          {error}
        </p>
      )}
      <CreateOrganization api={api} onCreated={load} />
      {orgs === null ? (
        <p>{t.loading}</p>
      ) : (
        <table className="table">
          <thead>
            <tr>
              <th scope="col">{t.name}</th>
              <th scope="col">{t.status}</th>
              <th scope="col">{t.certification}</th>
              <th scope="col">{t.validity}</th>
              <th scope="col">{t.members}</th>
              <th scope="col">{t.actions}</th>
            </tr>
          </thead>
          <tbody>
            {orgs.map((o) => (
              <tr key={o.id} data-testid="org-row" data-name={o.name} data-status={o.status}>
                <td>{o.name}</td>
                <td>
                  <span className={`badge badge--${o.status === 'active' ? 'ok' : 'warn'}`}>{t.orgStatus[o.status]}</span>
                </td>
                <td>
                  {o.certification === null ? (
                    t.none
                  ) : (
                    <>
                      {o.certification.number}{' '}
                      <span
                        className={`badge badge--${o.certification.state === 'valid' ? 'ok' : 'warn'}`}
                        data-testid="cert-state"
                      >
                        {t.certState[o.certification.state]}
                      </span>
                    </>
                  )}
                </td>
                <td>{o.certification === null ? '' : `${o.certification.validFrom} – ${o.certification.validTo}`}</td>
                <td>{o.members}</td>
                <td>
                  <div className="button-row">
                    <button
                      type="button"
                      className="button button--small button--secondary"
                      onClick={() => setOpen({ kind: 'rename', id: o.id })}
                    >
                      {t.rename}
                    </button>
                    <button
                      type="button"
                      className="button button--small button--secondary"
                      onClick={() => setOpen({ kind: 'certification', id: o.id })}
                      data-testid="org-certification"
                    >
                      {t.renew}
                    </button>
                    {o.status === 'active' ? (
                      <button
                        type="button"
                        className="button button--small button--danger"
                        onClick={() => setOpen({ kind: 'suspend', id: o.id })}
                        data-testid="org-suspend"
                      >
                        {t.suspend}
                      </button>
                    ) : (
                      <button
                        type="button"
                        className="button button--small button--secondary"
                        onClick={() => setOpen({ kind: 'reinstate', id: o.id })}
                        data-testid="org-reinstate"
                      >
                        {t.reinstate}
                      </button>
                    )}
                  </div>
                  {open?.id === o.id && open.kind === 'rename' && (
                    <RenameForm
                      initial={o.name}
                      onCancel={() => setOpen(null)}
                      onSave={async (name) => {
                        await api.call('PATCH', path(o.id), { name })
                        await done()
                      }}
                    />
                  )}
                  {open?.id === o.id && open.kind === 'certification' && (
                    <CertificationForm
                      org={o}
                      onCancel={() => setOpen(null)}
                      onSave={async (body) => {
                        await api.call('PUT', path(o.id, '/certification'), body)
                        await done()
                      }}
                    />
                  )}
                  {open?.id === o.id && (open.kind === 'suspend' || open.kind === 'reinstate') && (
                    <Confirm
                      testId="org-confirm"
                      question={
                        open.kind === 'suspend'
                          ? t.confirmSuspendOrganization(o.name, o.members)
                          : t.confirmReinstateOrganization(o.name)
                      }
                      reasonLabel={t.reason}
                      confirmLabel={open.kind === 'suspend' ? t.suspend : t.reinstate}
                      cancelLabel={t.cancel}
                      danger={open.kind === 'suspend'}
                      onCancel={() => setOpen(null)}
                      onConfirm={async (reason) => {
                        await api.call('POST', path(o.id, `/${open.kind}`), reason === '' ? {} : { reason })
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

function RenameForm(props: { initial: string; onSave(name: string): Promise<void>; onCancel(): void }) {
  const t = useStrings(peopleStrings)
  const id = useId()
  const [name, setName] = useState(props.initial)
  const [error, setError] = useState<string | null>(null)
  async function submit(e: FormEvent) {
    e.preventDefault()
    try {
      await props.onSave(name)
    } catch (err) {
      setError(serverMessage(err))
    }
  }
  return (
    <form className="admin-confirm" onSubmit={(e) => void submit(e)} onKeyDown={(e) => e.key === 'Escape' && props.onCancel()}>
      <div className="field">
        <label htmlFor={`${id}-n`}>{t.name}</label>
        <input id={`${id}-n`} autoFocus value={name} maxLength={200} onChange={(e) => setName(e.target.value)} />
      </div>
      {error !== null && (
        <p className="field__error" role="alert">
          {error}
        </p>
      )}
      <div className="button-row">
        <button type="submit" className="button button--small button--primary">
          {t.save}
        </button>
        <button type="button" className="button button--small button--secondary" onClick={props.onCancel}>
          {t.cancel}
        </button>
      </div>
    </form>
  )
}

function CertificationForm(props: {
  org: AdminOrganization
  onSave(body: { number: string; validFrom: string; validTo: string; status: CertificationStatus; reason?: string }): Promise<void>
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
  const [error, setError] = useState<string | null>(null)
  async function submit(e: FormEvent) {
    e.preventDefault()
    try {
      await props.onSave({ number, validFrom, validTo, status, ...(reason.trim() ? { reason: reason.trim() } : {}) })
    } catch (err) {
      setError(serverMessage(err))
    }
  }
  return (
    <form
      className="admin-confirm admin-form"
      onSubmit={(e) => void submit(e)}
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
      {error !== null && (
        <p className="field__error" role="alert" data-testid="form-error">
          {error}
        </p>
      )}
      <div className="button-row">
        <button type="submit" className="button button--small button--primary">
          {t.save}
        </button>
        <button type="button" className="button button--small button--secondary" onClick={props.onCancel}>
          {t.cancel}
        </button>
      </div>
    </form>
  )
}

function CreateOrganization({ api, onCreated }: { api: ApiClient; onCreated(): Promise<void> }) {
  const t = useStrings(peopleStrings)
  const id = useId()
  const empty = { name: '', number: '', validFrom: '', validTo: '' }
  const [form, setForm] = useState(empty)
  const [error, setError] = useState<string | null>(null)
  const set = (k: keyof typeof empty) => (e: { target: { value: string } }) => setForm({ ...form, [k]: e.target.value })
  async function submit(e: FormEvent) {
    e.preventDefault()
    try {
      await api.call('POST', '/api/v1/admin/organizations', {
        name: form.name,
        certification: { number: form.number, validFrom: form.validFrom, validTo: form.validTo }
      })
      setForm(empty)
      setError(null)
      await onCreated()
    } catch (err) {
      setError(serverMessage(err))
    }
  }
  return (
    <details className="admin-create">
      <summary>{t.createOrganization}</summary>
      <form className="admin-form" onSubmit={(e) => void submit(e)} noValidate data-testid="create-organization">
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
