import { useRef, useState } from 'react'
import type { ApiClient } from '../api/client'
import type { ExportRequestView, ProjectView } from '../api/types'
import { useStrings } from '../i18n/language'
import { ImportForm } from './ImportForm'
import { JustSubmitted } from './JustSubmitted'
import { MyRequests } from './MyRequests'
import { OutboxPicker } from './OutboxPicker'
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
        <JustSubmitted
          api={api}
          name="submitted"
          heading={t.justSubmitted}
          note={t.submittedNote}
          views={submitted}
          projectTitle={project.title}
          sessionId={sessionId}
        />
      )}
      <ImportForm projectId={project.id} onSubmit={submitImport} />
      {imported.length > 0 && (
        <JustSubmitted
          api={api}
          name="imported"
          heading={s.imports.justSubmitted}
          note={s.imports.submittedNote(imported[0]!.files[0]?.name ?? '')}
          noteTestId="import-submitted"
          views={imported}
          projectTitle={project.title}
          sessionId={sessionId}
        />
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
