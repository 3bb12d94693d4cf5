import { useRef, useState } from 'react'
import type { ApiClient } from '../api/client'
import type { ExportRequestView, ProjectView } from '../api/types'
import { useStrings } from '../i18n/language'
import { MyRequests } from './MyRequests'
import { OutboxPicker } from './OutboxPicker'
import { RequestCard } from './RequestCard'
import { airlockStrings } from './strings'
import { useAirlockWatch } from './watch'

interface Props {
  api: ApiClient
  sessionId: string
  project: ProjectView
  /** the tab is shown: the outbox is read again */
  active: boolean
}

/**
 * The workspace's Airlock tab: the export cart (outbox files, each with its justification), the
 * requests just submitted with what the checks found, and the researcher's requests in this project.
 */
export function AirlockTab({ api, sessionId, project, active }: Props) {
  const t = useStrings(airlockStrings).airlock
  const watch = useAirlockWatch()
  const [submitted, setSubmitted] = useState<ExportRequestView[]>([])
  const requestsHeading = useRef<HTMLHeadingElement>(null)
  const titles = new Map([[project.id, project.title]])

  async function submit(files: { path: string; justification: string }[]) {
    const view = await api.submitExport({ sessionId, files })
    watch.remember(view.id, view.state)
    setSubmitted((s) => [view, ...s])
  }

  function toRequests() {
    requestsHeading.current?.scrollIntoView({ block: 'start' })
    requestsHeading.current?.focus()
  }

  return (
    <div className="airlock" data-testid="airlock">
      <div className="airlock__intro">
        <p>{t.intro}</p>
        <button type="button" className="button button--secondary button--small" onClick={toRequests}>
          {t.toMyRequests}
        </button>
      </div>
      <OutboxPicker api={api} sessionId={sessionId} mode="cart" active={active} onSubmit={submit} />
      {submitted.length > 0 && (
        <section className="airlock__submitted" aria-labelledby="airlock-submitted-heading">
          <h2 id="airlock-submitted-heading" className="airlock__heading">
            {t.justSubmitted}
          </h2>
          <p className="notice notice--ok" role="status">
            {t.submittedNote}
          </p>
          <ul className="my-requests__list">
            {submitted.map((view) => (
              <li key={view.id}>
                <RequestCard
                  api={api}
                  summary={view}
                  detail={view}
                  projectTitle={project.title}
                  sessionId={sessionId}
                  initiallyOpen
                />
              </li>
            ))}
          </ul>
        </section>
      )}
      <MyRequests
        api={api}
        sessionId={sessionId}
        projectId={project.id}
        projectTitles={titles}
        exclude={new Set(submitted.map((v) => v.id))}
        headingRef={requestsHeading}
      />
    </div>
  )
}
