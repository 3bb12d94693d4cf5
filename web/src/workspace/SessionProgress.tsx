import type { StartStep } from '../api/types'
import { useStrings } from '../i18n/language'
import { workspaceStrings } from './strings'
import type { SessionState } from './use-session-start'

// the data first: the project's datasets are made ready on the host (once; later starts find them
// ready), then the sandbox mounts them
const STEPS: StartStep['step'][] = ['data', 'sandbox', 'workspace']
const MiB = 1024 * 1024

/** A session on its way: each step of the start, with the data made ready so far. */
export function StartProgress({ step: current }: { step: StartStep | null }) {
  const t = useStrings(workspaceStrings)
  const at = current === null ? -1 : STEPS.indexOf(current.step)
  return (
    <section className="card start-progress" aria-busy="true" data-testid="start-progress">
      <h2>{t.starting}</h2>
      <ol className="start-progress__steps">
        {STEPS.map((step) => {
          const mine = STEPS.indexOf(step)
          const state = mine < at ? 'done' : mine === at ? 'active' : 'todo'
          return (
            <li key={step} data-state={state}>
              {t.steps[step]}
              {step === 'data' && current?.step === 'data' && (
                <span className="start-progress__bytes">
                  {' '}
                  {t.dataProgress(
                    `${(current.bytes / MiB).toFixed(1)} MiB`,
                    `${(current.totalBytes / MiB).toFixed(1)} MiB`
                  )}
                </span>
              )}
            </li>
          )
        })}
      </ol>
    </section>
  )
}

/** A session that ended, or never started, and why. */
export function SessionEnded({ ended }: { ended: Extract<SessionState, { kind: 'ended' }> }) {
  const t = useStrings(workspaceStrings)
  return (
    <section className="card" role="alert" data-testid="session-ended">
      <h2>{ended.session?.state === 'failed' || ended.session === null ? t.failed : t.ended}</h2>
      {ended.reason !== '' && (
        <p>
          {t.reason}: {ended.reason}
        </p>
      )}
    </section>
  )
}
