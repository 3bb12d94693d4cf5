import type { ApiClient } from '../../api/client'
import { useApiChange, useApiQuery } from '../../api/query'
import { useStrings } from '../../i18n/language'
import { ColumnHeads } from '../ColumnHeads'
import { Loaded, LoadError } from '../Loaded'
import { RowAction, SuspendOrReinstate } from '../RowAction'
import { useRecordQuestion } from '../record'
import { Confirm } from './Confirm'
import { CertificationForm, CreateOrganization, RenameForm } from './OrganizationForms'
import { peopleStrings } from './strings'

type Kind = 'rename' | 'certification' | 'suspend' | 'reinstate'

/** Organizations with their Type II certification: register, rename, record the certification, suspend. */
export function OrganizationsTab({ api }: { api: ApiClient }) {
  const t = useStrings(peopleStrings)
  const orgs = useApiQuery(api, 'GET /api/v1/admin/organizations')
  const change = useApiChange(api)
  // the organization open is the URL's; what is open on it (a form, a question) is this screen's
  const { open, setOpen } = useRecordQuestion<Kind>('organizations', 'certification')
  const params = (id: string) => ({ params: { id } })

  return (
    <div className="admin-people" data-testid="admin-organizations">
      <h2>{t.organizations}</h2>
      <LoadError queries={[orgs]} />
      <CreateOrganization
        onCreate={async (body) => {
          await change('POST /api/v1/admin/organizations', { body })
        }}
      />
      <Loaded query={orgs} loading={t.loading}>
        {(orgs) => (
          <table className="table">
            <ColumnHeads columns={[t.name, t.status, t.certification, t.validity, t.members, t.actions]} />
            <tbody>
              {orgs.map((o) => (
                <tr key={o.id} data-testid="org-row" data-name={o.name} data-status={o.status}>
                  <td>{o.name}</td>
                  <td>
                    <span className={`badge badge--${o.status === 'active' ? 'ok' : 'warn'}`}>
                      {t.orgStatus[o.status]}
                    </span>
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
                      <RowAction tone="secondary" onClick={() => setOpen({ kind: 'rename', id: o.id })}>
                        {t.rename}
                      </RowAction>
                      <RowAction
                        tone="secondary"
                        onClick={() => setOpen({ kind: 'certification', id: o.id })}
                        testId="org-certification"
                      >
                        {t.renew}
                      </RowAction>
                      <SuspendOrReinstate
                        active={o.status === 'active'}
                        testIdPrefix="org"
                        suspendLabel={t.suspend}
                        reinstateLabel={t.reinstate}
                        onAsk={(kind) => setOpen({ kind, id: o.id })}
                      />
                    </div>
                    {open?.id === o.id && open.kind === 'rename' && (
                      <RenameForm
                        initial={o.name}
                        onCancel={() => setOpen(null)}
                        onSave={async (name) => {
                          await change('PATCH /api/v1/admin/organizations/:id', { ...params(o.id), body: { name } })
                          setOpen(null)
                        }}
                      />
                    )}
                    {open?.id === o.id && open.kind === 'certification' && (
                      <CertificationForm
                        org={o}
                        onCancel={() => setOpen(null)}
                        onSave={async (body) => {
                          await change('PUT /api/v1/admin/organizations/:id/certification', { ...params(o.id), body })
                          setOpen(null)
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
                          const action =
                            open.kind === 'suspend'
                              ? 'POST /api/v1/admin/organizations/:id/suspend'
                              : 'POST /api/v1/admin/organizations/:id/reinstate'
                          await change(action, {
                            ...params(o.id),
                            body: reason === '' ? {} : { reason }
                          })
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
