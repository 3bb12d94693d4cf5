import { useState } from 'react'
import { serverMessage, type ApiClient } from '../../api/client'
import { useApiChange, useApiQuery } from '../../api/query'
import type { AdminProject, AdminProjectReviewer, AdminUser } from '../../api/types'
import { formatDateTime } from '../../i18n/format'
import { useLanguage, useStrings } from '../../i18n/language'
import { Confirm } from '../people/Confirm'
import { Picker } from './Picker'
import { projectStrings } from './strings'

/**
 * The reviewers an administrator assigned to a project: only they see its requests, and only while
 * independent of it (the server says why one is not). Any reviewer may be picked; the server
 * refuses one who is a member or of a member's organization, and its sentence shows by the picker.
 */
export function ProjectReviewers({
  api,
  project,
  users
}: {
  api: ApiClient
  project: AdminProject
  users: AdminUser[]
}) {
  const t = useStrings(projectStrings)
  const { language } = useLanguage()
  // a change of the project's members makes these stale too (api/query.ts): independence is read again
  const query = useApiQuery(api, 'GET /api/v1/admin/projects/:id/reviewers', { params: { id: project.id } })
  const change = useApiChange(api)
  const [refused, setRefused] = useState<string | null>(null)
  const [removing, setRemoving] = useState<AdminProjectReviewer | null>(null)
  const reviewers = query.data ?? null
  const error = refused ?? (query.error === null ? null : serverMessage(query.error))

  const assigned = new Set((reviewers ?? []).map((r) => r.id))
  return (
    <div className="project-reviewers" data-testid="project-reviewers">
      {reviewers !== null && reviewers.length === 0 && <p className="field__hint">{t.noReviewers}</p>}
      <ul className="admin-list">
        {(reviewers ?? []).map((r) => (
          <li key={r.id} data-testid="project-reviewer" data-username={r.username} data-independent={r.independent}>
            {r.displayName} ({r.username}){r.organization !== null && <>, {r.organization}</>}{' '}
            <button
              type="button"
              className="link-button admin-list__action"
              onClick={() => setRemoving(r)}
              data-testid="reviewer-unassign"
            >
              {t.unassign(r.username)}
            </button>
            <br />
            <span className="field__hint">{t.assignedBy(r.assignedBy, formatDateTime(r.assignedAt, language))}</span>
            {!r.independent && (
              <p className="field__error" data-testid="reviewer-not-independent">
                {t.notIndependent} <span lang="en">{r.why}</span>
              </p>
            )}
          </li>
        ))}
      </ul>
      <Picker
        label={t.assignReviewer}
        choose={t.choose}
        testId="assign-reviewer"
        error={error}
        options={users
          .filter((u) => u.roles.includes('reviewer') && !assigned.has(u.id))
          .map((u) => ({ id: u.id, label: `${u.displayName} (${u.username})` }))}
        onPick={async (userId) => {
          try {
            await change('PUT /api/v1/admin/projects/:id/reviewers/:userId', { params: { id: project.id, userId } })
            setRefused(null)
          } catch (err) {
            setRefused(serverMessage(err))
          }
        }}
      />
      {removing !== null && (
        <Confirm
          testId="reviewer-confirm"
          question={t.confirmUnassign(removing.username, project.title)}
          confirmLabel={t.confirm}
          cancelLabel={t.cancel}
          onCancel={() => setRemoving(null)}
          onConfirm={async () => {
            await change('DELETE /api/v1/admin/projects/:id/reviewers/:userId', {
              params: { id: project.id, userId: removing.id }
            })
            setRemoving(null)
            setRefused(null)
          }}
        />
      )}
    </div>
  )
}
