import { useRef, useState } from 'react'
import type { ApiClient } from '../api/client'
import type { ExportRequestView, ProjectView } from '../api/types'
import { useStrings } from '../i18n/language'
import { ImportForm } from './ImportForm'
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
  /** the request the URL names, opened and scrolled to */
  shownRequest?: string | null
  /** a request opened (its URL), or the one the URL names closed (null) */
  onShowRequest?(requestId: string | null): void
}

/**
 * The workspace's Airlock tab: the export cart (outbox files, each with its justification), the
 * requests just submitted with what the checks found, the form that brings a file in (with the
 * imports just submitted), and the researcher's export requests and imports in this project.
 */
export function AirlockTab({ api, sessionId, project, active, shownRequest, onShowRequest }: Props) {
  const s = useStrings(airlockStrings)
  const t = s.airlock
  const watch = useAirlockWatch()
  const [submitted, setSubmitted] = useState<ExportRequestView[]>([])
  const [imported, setImported] = useState<ExportRequestView[]>([])
  const requestsHeading = useRef<HTMLHeadingElement>(null)
  const importsHeading = useRef<HTMLHeadingElement>(null)
  const titles = new Map([[project.id, project.title]])

  async function submit(files: { path: string; justification: string }[]) {
    const view = await api.submitExport({ sessionId, files })
    watch.remember(view.id, view.state)
    setSubmitted((s) => [view, ...s])
  }

  async function submitImport(file: File, justification: string) {
    const view = await api.submitImport(project.id, file, justification)
    watch.remember(view.id, view.state, 'import')
    setImported((s) => [view, ...s])
  }

  function toHeading(heading: HTMLHeadingElement | null) {
    heading?.scrollIntoView({ block: 'start' })
    heading?.focus()
  }

  return (
    <div className="airlock" data-testid="airlock">
      <div className="airlock__intro">
        <p>{t.intro}</p>
        <div className="button-row airlock__jump">
          <button
            type="button"
            className="button button--secondary button--small"
            onClick={() => toHeading(requestsHeading.current)}
          >
            {t.toMyRequests}
          </button>
          <button
            type="button"
            className="button button--secondary button--small"
            onClick={() => toHeading(importsHeading.current)}
          >
            {t.toMyImports}
          </button>
        </div>
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
      <ImportForm projectId={project.id} onSubmit={submitImport} />
      {imported.length > 0 && (
        <section className="airlock__submitted" aria-labelledby="airlock-imported-heading">
          <h2 id="airlock-imported-heading" className="airlock__heading">
            {s.imports.justSubmitted}
          </h2>
          <p className="notice notice--ok" role="status" data-testid="import-submitted">
            {s.imports.submittedNote(imported[0]!.files[0]?.name ?? '')}
          </p>
          <ul className="my-requests__list">
            {imported.map((view) => (
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
        shownRequest={shownRequest}
        onShowRequest={onShowRequest}
      />
      <MyRequests
        api={api}
        direction="import"
        sessionId={sessionId}
        projectId={project.id}
        projectTitles={titles}
        exclude={new Set(imported.map((v) => v.id))}
        headingRef={importsHeading}
        shownRequest={shownRequest}
        onShowRequest={onShowRequest}
      />
    </div>
  )
}
