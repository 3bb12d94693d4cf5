import type { ReactNode } from 'react'

/** One of a record's actions in a table row or card: a small button whose tone says what it does. */
export function RowAction(props: {
  tone: 'primary' | 'secondary' | 'danger'
  onClick(): void
  testId?: string
  children: ReactNode
}) {
  return (
    <button
      type="button"
      className={`button button--small button--${props.tone}`}
      onClick={props.onClick}
      data-testid={props.testId}
    >
      {props.children}
    </button>
  )
}

/** Suspend for an active record, reinstate for a suspended one; test ids `<prefix>-suspend` / `<prefix>-reinstate`. */
export function SuspendOrReinstate(props: {
  active: boolean
  testIdPrefix: string
  suspendLabel: string
  reinstateLabel: string
  onAsk(kind: 'suspend' | 'reinstate'): void
}) {
  return props.active ? (
    <RowAction tone="danger" onClick={() => props.onAsk('suspend')} testId={`${props.testIdPrefix}-suspend`}>
      {props.suspendLabel}
    </RowAction>
  ) : (
    <RowAction tone="secondary" onClick={() => props.onAsk('reinstate')} testId={`${props.testIdPrefix}-reinstate`}>
      {props.reinstateLabel}
    </RowAction>
  )
}
