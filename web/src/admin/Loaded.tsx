import type { UseQueryResult } from '@tanstack/react-query'
import type { ReactNode } from 'react'
import { serverMessage } from '../api/client'

/**
 * Why a list of the console could not be read: the first failing query's sentence, or the refusal
 * of a change made from the list (`refused`). What was read before stays shown below it, as a
 * failed refresh should not empty the screen.
 */
export function LoadError(props: {
  queries: readonly UseQueryResult[]
  refused?: string | null
  testId?: string
  className?: string
}) {
  const failed = props.queries.find((q) => q.error !== null)
  const message = props.refused ?? (failed === undefined ? null : serverMessage(failed.error))
  if (message === null) return null
  return (
    <p className={props.className ?? 'field__error'} role="alert" data-testid={props.testId}>
      {message}
    </p>
  )
}

/** The query's answer, once there is one; until then the "loading" line. */
export function Loaded<T>(props: { query: UseQueryResult<T>; loading: ReactNode; children(data: T): ReactNode }) {
  const { data } = props.query
  return data === undefined ? <p>{props.loading}</p> : props.children(data)
}
