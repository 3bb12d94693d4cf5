import { useState } from 'react'
import { serverMessage, type ApiClient } from '../../api/client'
import { useApiChange, useApiQuery } from '../../api/query'
import { useStrings } from '../../i18n/language'
import { Loaded, LoadError } from '../Loaded'
import { Confirm } from '../people/Confirm'
import { useRecord } from '../record'
import { Picker } from './Picker'
import { ProjectForm } from './ProjectForm'
import { ProjectReviewers } from './ProjectReviewers'
import { projectStrings } from './strings'

type Detail =
  | { kind: 'edit' }
  | { kind: 'remove'; userId: string; name: string }
  | { kind: 'revoke'; datasetId: string; name: string }
type Open = ({ id: string } & Detail) | null

/**
 * Projects with their dates, members, granted datasets and assigned reviewers, and when their
 * workspaces are deleted.
 */
export function ProjectsTab({ api }: { api: ApiClient }) {
  const t = useStrings(projectStrings)
  const projects = useApiQuery(api, 'GET /api/v1/admin/projects')
  const users = useApiQuery(api, 'GET /api/v1/admin/users').data ?? []
  const datasets = useApiQuery(api, 'GET /api/v1/admin/datasets')
  const change = useApiChange(api)
  const [refused, setRefused] = useState<string | null>(null)
  // the project open is the URL's; what is open on it (its form, a question) is this screen's
  const record = useRecord('projects')
  const [detail, setDetail] = useState<Detail>({ kind: 'edit' })
  const open: Open = record.recordId === null ? null : { id: record.recordId, ...detail }
  const setOpen = (next: Open) => {
    if (next === null) return void record.close()
    const { id, ...rest } = next
    setDetail(rest)
    void record.open(id)
  }

  /** a change's refusal is shown above the table */
  const act = async (made: () => Promise<unknown>) => {
    try {
      await made()
      setRefused(null)
    } catch (err) {
      setRefused(serverMessage(err))
    }
  }

  return (
    <div className="admin-people" data-testid="admin-projects">
      <h2>{t.heading}</h2>
      <LoadError queries={[projects, datasets]} refused={refused} testId="projects-error" />
      <details className="admin-create">
        <summary>{t.createProject}</summary>
        <ProjectForm
          onSave={async (body) => {
            await change('POST /api/v1/admin/projects', { body })
          }}
        />
      </details>
      <Loaded query={projects} loading={t.loading}>
        {(projects) => (
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
                          await change('PATCH /api/v1/admin/projects/:id', { params: { id: p.id }, body })
                          setOpen(null)
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
                      onPick={(userId) =>
                        act(() =>
                          change('PUT /api/v1/admin/projects/:id/members/:userId', { params: { id: p.id, userId } })
                        )
                      }
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
                      options={(datasets.data ?? [])
                        .filter((d) => d.projectId === null)
                        .map((d) => ({ id: d.id, label: d.name }))}
                      onPick={(datasetId) =>
                        act(() =>
                          change('PUT /api/v1/admin/projects/:id/datasets/:datasetId', {
                            params: { id: p.id, datasetId }
                          })
                        )
                      }
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
                          if (open.kind === 'remove') {
                            await change('DELETE /api/v1/admin/projects/:id/members/:userId', {
                              params: { id: p.id, userId: open.userId }
                            })
                          } else {
                            await change('DELETE /api/v1/admin/projects/:id/datasets/:datasetId', {
                              params: { id: p.id, datasetId: open.datasetId }
                            })
                          }
                          setOpen(null)
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
      </Loaded>
    </div>
  )
}
