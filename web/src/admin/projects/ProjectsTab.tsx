import { useCallback, useEffect, useState } from 'react'
import { serverMessage, type ApiClient } from '../../api/client'
import type { AdminDataset, AdminProject, AdminUser } from '../../api/types'
import { useStrings } from '../../i18n/language'
import { Confirm } from '../people/Confirm'
import { Picker } from './Picker'
import { ProjectForm } from './ProjectForm'
import { ProjectReviewers } from './ProjectReviewers'
import { projectStrings } from './strings'

type Open =
  | { kind: 'edit'; id: string }
  | { kind: 'remove'; id: string; userId: string; name: string }
  | { kind: 'revoke'; id: string; datasetId: string; name: string }
  | null

/**
 * Projects with their dates, members, granted datasets and assigned reviewers, and when their
 * workspaces are deleted.
 */
export function ProjectsTab({ api }: { api: ApiClient }) {
  const t = useStrings(projectStrings)
  const [projects, setProjects] = useState<AdminProject[] | null>(null)
  const [users, setUsers] = useState<AdminUser[]>([])
  const [datasets, setDatasets] = useState<AdminDataset[]>([])
  const [error, setError] = useState<string | null>(null)
  const [open, setOpen] = useState<Open>(null)

  const load = useCallback(async () => {
    try {
      const [p, u, d] = await Promise.all([
        api.call<AdminProject[]>('GET', '/api/v1/admin/projects'),
        api.call<AdminUser[]>('GET', '/api/v1/admin/users'),
        api.call<AdminDataset[]>('GET', '/api/v1/admin/datasets')
      ])
      setProjects(p)
      setUsers(u)
      setDatasets(d)
      setError(null)
    } catch (err) {
      setError(serverMessage(err))
    }
  }, [api])
  useEffect(() => void load(), [load])

  const path = (id: string, rest = '') => `/api/v1/admin/projects/${encodeURIComponent(id)}${rest}`
  /** a change's refusal is shown above the table; the lists reload either way */
  const act = async (change: () => Promise<unknown>) => {
    try {
      await change()
      setError(null)
    } catch (err) {
      setError(serverMessage(err))
    }
    await load()
  }

  return (
    <div className="admin-people" data-testid="admin-projects">
      <h2>{t.heading}</h2>
      {error !== null && (
        <p className="field__error" role="alert" data-testid="projects-error">
          {error}
        </p>
      )}
      <details className="admin-create">
        <summary>{t.createProject}</summary>
        <ProjectForm
          onSave={async (body) => {
            await api.call('POST', '/api/v1/admin/projects', body)
            await load()
          }}
        />
      </details>
      {projects === null ? (
        <p>{t.loading}</p>
      ) : (
        <table className="table">
          <thead>
            <tr>
              <th scope="col">{t.title}</th>
              <th scope="col">{t.dates}</th>
              <th scope="col">{t.members}</th>
              <th scope="col">{t.datasets}</th>
              <th scope="col">{t.reviewers}</th>
              <th scope="col">{t.workspaces}</th>
            </tr>
          </thead>
          <tbody>
            {projects.map((p) => (
              <tr key={p.id} data-testid="project-row" data-title={p.title}>
                <td>
                  <strong>{p.title}</strong>
                  <br />
                  {p.approvalReference}
                  <div className="button-row">
                    <button
                      type="button"
                      className="button button--small button--secondary"
                      onClick={() => setOpen({ kind: 'edit', id: p.id })}
                    >
                      {t.edit}
                    </button>
                  </div>
                  {open?.id === p.id && open.kind === 'edit' && (
                    <ProjectForm
                      project={p}
                      onCancel={() => setOpen(null)}
                      onSave={async (body) => {
                        await api.call('PATCH', path(p.id), body)
                        setOpen(null)
                        await load()
                      }}
                    />
                  )}
                </td>
                <td>
                  {p.startDate} – {p.endDate}
                  <br />
                  <span className={`badge badge--${p.state === 'active' ? 'ok' : 'warn'}`}>{t.state[p.state]}</span>
                </td>
                <td>
                  <ul className="admin-list">
                    {p.members.map((m) => (
                      <li key={m.id}>
                        {m.displayName} ({m.username}){' '}
                        <button
                          type="button"
                          className="link-button admin-list__action"
                          onClick={() => setOpen({ kind: 'remove', id: p.id, userId: m.id, name: m.username })}
                        >
                          {t.remove(m.username)}
                        </button>
                      </li>
                    ))}
                  </ul>
                  <Picker
                    label={t.addMember}
                    choose={t.choose}
                    options={users
                      .filter((u) => u.roles.includes('researcher') && !p.members.some((m) => m.id === u.id))
                      .map((u) => ({ id: u.id, label: `${u.displayName} (${u.username})` }))}
                    onPick={(userId) => act(() => api.call('PUT', path(p.id, `/members/${userId}`)))}
                  />
                </td>
                <td>
                  <ul className="admin-list">
                    {p.datasets.map((d) => (
                      <li key={d.id}>
                        {d.name}{' '}
                        <button
                          type="button"
                          className="link-button admin-list__action"
                          onClick={() => setOpen({ kind: 'revoke', id: p.id, datasetId: d.id, name: d.name })}
                        >
                          {t.revoke(d.name)}
                        </button>
                      </li>
                    ))}
                  </ul>
                  <Picker
                    label={t.grant}
                    choose={t.choose}
                    options={datasets.filter((d) => d.projectId === null).map((d) => ({ id: d.id, label: d.name }))}
                    onPick={(datasetId) => act(() => api.call('PUT', path(p.id, `/datasets/${datasetId}`)))}
                  />
                  {open?.id === p.id && (open.kind === 'remove' || open.kind === 'revoke') && (
                    <Confirm
                      testId="project-confirm"
                      question={
                        open.kind === 'remove'
                          ? t.confirmRemove(open.name, p.title)
                          : t.confirmRevoke(open.name, p.title)
                      }
                      confirmLabel={t.confirm}
                      cancelLabel={t.cancel}
                      danger
                      onCancel={() => setOpen(null)}
                      onConfirm={async () => {
                        await api.call(
                          'DELETE',
                          open.kind === 'remove'
                            ? path(p.id, `/members/${open.userId}`)
                            : path(p.id, `/datasets/${open.datasetId}`)
                        )
                        setOpen(null)
                        await load()
                      }}
                    />
                  )}
                </td>
                <td>
                  <ProjectReviewers api={api} project={p} users={users} />
                </td>
                <td>{p.hasWorkspaces ? t.deletedOn(p.workspacesDeletedOn) : t.noWorkspaces}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  )
}
