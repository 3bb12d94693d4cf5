import { useId, type ReactNode } from 'react'
import type { Can } from '../api/types'

/**
 * Why something cannot be done now: the server's sentence from its `can` verdict, the same check
 * the action itself goes through. The gateway writes it in English.
 */
export function WhyNot({ can, id, testId }: { can: Can | undefined; id?: string; testId?: string }) {
  if (can === undefined || can.ok || can.why === undefined) return null
  return (
    <span id={id} className="why-not" lang="en" data-testid={testId}>
      {can.why}
    </span>
  )
}

interface GatedProps {
  /** the server's verdict; a missing one (an older gateway, another reader) leaves the button enabled */
  can: Can | undefined
  /** a reason of this page's own to hold the button back (unsaved changes), shown like the server's */
  held?: string | null
  busy?: boolean
  className?: string
  /** the button's name where its text alone is ambiguous (one per file) */
  ariaLabel?: string
  /** the file the button acts on, for tests to find it by */
  file?: string
  testId: string
  onClick(): void
  children: ReactNode
}

/** A button that is disabled with the reason beside it, so nobody is left guessing why it does nothing. */
export function GatedButton(props: GatedProps) {
  const { can, held = null, busy = false, className, ariaLabel, file, testId, onClick, children } = props
  const id = useId()
  const refused = can !== undefined && !can.ok
  const explained = (refused && can.why !== undefined) || held !== null
  return (
    <span className="gated">
      <button
        type="button"
        className={className ?? 'button button--primary'}
        disabled={refused || held !== null || busy}
        aria-label={ariaLabel}
        aria-describedby={explained ? `${id}-why` : undefined}
        onClick={onClick}
        data-testid={testId}
        data-file={file}
      >
        {children}
      </button>
      {refused ? (
        <WhyNot can={can} id={`${id}-why`} testId={`${testId}-why`} />
      ) : (
        held !== null && (
          <span id={`${id}-why`} className="why-not" data-testid={`${testId}-why`}>
            {held}
          </span>
        )
      )}
    </span>
  )
}
