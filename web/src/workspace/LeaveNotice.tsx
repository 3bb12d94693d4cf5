import { useStrings } from '../i18n/language'
import { workspaceStrings } from './strings'

/** Leaving would lose unsaved edits: what to do instead of the step asked for, or after it. */
export interface Leave {
  paths: string[]
  proceed(): void
  /** the step is not taken (a navigation that was held back is let go) */
  stay?(): void
}

/** Asks before unsaved edits of `leave.paths` are lost; `onAnswered` clears the question. */
export function LeaveNotice({ leave, onAnswered }: { leave: Leave; onAnswered(): void }) {
  const t = useStrings(workspaceStrings)
  return (
    <div className="notice notice--warn leave-notice" role="alert" data-testid="unsaved-warning">
      <p>{t.leave.message(leave.paths.join(', '))}</p>
      <div className="button-row">
        <button
          type="button"
          className="button button--danger button--small"
          onClick={() => {
            onAnswered()
            leave.proceed()
          }}
          data-testid="unsaved-discard"
        >
          {t.leave.discard}
        </button>
        <button
          type="button"
          className="button button--secondary button--small"
          onClick={() => {
            onAnswered()
            leave.stay?.()
          }}
        >
          {t.leave.stay}
        </button>
      </div>
    </div>
  )
}
