import { useState } from 'react'
import { serverMessage, type ApiClient } from '../../api/client'
import { useApiChange } from '../../api/query'
import type { Assignment } from '../../api/types'
import { useStrings } from '../../i18n/language'
import { policyStrings } from './strings'

/** Which policy each project works under; a move that relaxes a safeguard waits for a second administrator. */
export function AssignmentsCard({
  api,
  assignments,
  policies
}: {
  api: ApiClient
  assignments: Assignment[]
  policies: string[]
}) {
  const change = useApiChange(api)
  const t = useStrings(policyStrings)
  const [choice, setChoice] = useState<Record<string, string>>({})
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null)
  const [reason, setReason] = useState('')

  async function assign(a: Assignment) {
    const policy = choice[a.projectId] ?? a.policy
    try {
      // the assignments and the policies' project counts are read again with it (api/query.ts)
      const res = await change('PUT /api/v1/admin/policy-assignments/:projectId', {
        params: { projectId: a.projectId },
        body: {
          policy: policy === 'default' ? null : policy,
          ...(reason.trim() !== '' ? { reason: reason.trim() } : {})
        }
      })
      setReason('')
      if ('pending' in res) {
        setMessage({ ok: true, text: `${t.editor.held} ${res.pending.summary}` })
        return
      }
      setMessage({ ok: true, text: `${t.assignments.assigned(a.title, res.assignment.policy)} ${res.live.note}` })
    } catch (err) {
      setMessage({ ok: false, text: serverMessage(err) })
    }
  }

  return (
    <section className="card" aria-labelledby="policy-assignments-heading">
      <h2 id="policy-assignments-heading" className="card__heading">
        {t.assignments.heading}
      </h2>
      {message !== null && (
        <p role={message.ok ? 'status' : 'alert'} className={`banner ${message.ok ? 'banner--ok' : 'banner--blocked'}`}>
          {message.text}
        </p>
      )}
      <table className="table" data-testid="policy-assignments">
        <thead>
          <tr>
            <th scope="col">{t.assignments.project}</th>
            <th scope="col">{t.assignments.policy}</th>
            <th scope="col">
              <span className="visually-hidden">{t.assignments.assign}</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {assignments.map((a) => (
            <tr key={a.projectId}>
              <td>{a.title}</td>
              <td>
                <select
                  aria-label={t.assignments.assignTo(a.title)}
                  value={choice[a.projectId] ?? a.policy}
                  onChange={(e) => setChoice({ ...choice, [a.projectId]: e.target.value })}
                >
                  {policies.map((p) => (
                    <option key={p} value={p}>
                      {p}
                    </option>
                  ))}
                </select>
              </td>
              <td>
                <button
                  type="button"
                  className="button button--secondary button--small"
                  disabled={(choice[a.projectId] ?? a.policy) === a.policy}
                  onClick={() => void assign(a)}
                >
                  {t.assignments.assign}
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="field">
        <label htmlFor="policy-assignment-reason">{t.assignments.reason}</label>
        <input
          id="policy-assignment-reason"
          type="text"
          value={reason}
          maxLength={500}
          onChange={(e) => setReason(e.target.value)}
        />
      </div>
    </section>
  )
}
