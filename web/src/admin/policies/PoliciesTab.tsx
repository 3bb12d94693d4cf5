import type { ApiClient } from '../../api/client'
import { useApiQuery } from '../../api/query'
import { formatDateTime } from '../../i18n/format'
import { useLanguage, useStrings } from '../../i18n/language'
import { Loaded, LoadError } from '../Loaded'
import { useRecord } from '../record'
import { AssignmentsCard } from './AssignmentsCard'
import { PolicyEditor } from './PolicyEditor'
import { policyStrings } from './strings'

/** Policies: the list, an editor with the server's validation next to each field, history with diffs, and project assignments. */
export function PoliciesTab({ api }: { api: ApiClient }) {
  const t = useStrings(policyStrings)
  const { language } = useLanguage()
  const list = useApiQuery(api, 'GET /api/v1/admin/policies')
  const assignments = useApiQuery(api, 'GET /api/v1/admin/policy-assignments')
  // the policy open is the URL's, `default` when none is named
  const record = useRecord('policies')
  const selected = record.recordId ?? 'default'
  const setSelected = (name: string) => void record.open(name)

  return (
    <div className="admin-policies">
      <LoadError queries={[list, assignments]} className="error-message" />
      <section className="card" aria-labelledby="policies-heading">
        <h2 id="policies-heading" className="card__heading">
          {t.list.heading}
        </h2>
        <p className="field__hint">{t.list.intro}</p>
        <Loaded query={list} loading={t.loading}>
          {(list) => (
            <table className="table" data-testid="policy-list">
              <thead>
                <tr>
                  <th scope="col">{t.list.name}</th>
                  <th scope="col">{t.list.version}</th>
                  <th scope="col">{t.list.author}</th>
                  <th scope="col">{t.list.time}</th>
                  <th scope="col">{t.list.projects}</th>
                </tr>
              </thead>
              <tbody>
                {list.map((p) => (
                  <tr key={p.name} data-testid={`policy-row-${p.name}`} aria-current={p.name === selected || undefined}>
                    <td>
                      <button
                        type="button"
                        className="link-button"
                        onClick={() => setSelected(p.name)}
                        aria-label={t.list.edit(p.name)}
                        data-testid={`policy-open-${p.name}`}
                      >
                        {p.name}
                      </button>
                      {p.description !== null && <span className="field__hint">{p.description}</span>}
                    </td>
                    <td data-testid={`policy-version-${p.name}`}>{p.version}</td>
                    <td>{p.author.name}</td>
                    <td>{formatDateTime(p.createdAt, language)}</td>
                    <td>{p.projects}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </Loaded>
      </section>
      <PolicyEditor key={selected} api={api} name={selected} />
      <AssignmentsCard api={api} assignments={assignments.data ?? []} policies={(list.data ?? []).map((p) => p.name)} />
    </div>
  )
}
