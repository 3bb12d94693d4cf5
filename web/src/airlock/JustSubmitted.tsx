import type { ApiClient } from '../api/client'
import type { ExportRequestView } from '../api/types'
import { RequestCard } from './RequestCard'

/** Requests this visit sent (exports or imports), opened, with a note of what happens next. */
export function JustSubmitted(props: {
  api: ApiClient
  /** names the section's heading: `airlock-<name>-heading` */
  name: string
  heading: string
  note: string
  noteTestId?: string
  views: ExportRequestView[]
  projectTitle: string
  sessionId: string
}) {
  return (
    <section className="airlock__submitted" aria-labelledby={`airlock-${props.name}-heading`}>
      <h2 id={`airlock-${props.name}-heading`} className="airlock__heading">
        {props.heading}
      </h2>
      <p className="notice notice--ok" role="status" data-testid={props.noteTestId}>
        {props.note}
      </p>
      <ul className="my-requests__list">
        {props.views.map((view) => (
          <li key={view.id}>
            <RequestCard
              api={props.api}
              summary={view}
              detail={view}
              projectTitle={props.projectTitle}
              sessionId={props.sessionId}
              initiallyOpen
            />
          </li>
        ))}
      </ul>
    </section>
  )
}
