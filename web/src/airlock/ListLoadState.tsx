/**
 * Where a list of requests stands before it can be shown: the reason it could not be read (with a
 * retry), or that it is being read.
 */
export function ListLoadState(props: {
  error: string | null
  /** nothing has been read yet */
  pending: boolean
  loadingLabel: string
  retryLabel: string
  onRetry(): void
}) {
  return (
    <>
      {props.error !== null && (
        <div className="error-message" role="alert">
          <p>{props.error}</p>
          <button type="button" className="button button--secondary button--small" onClick={props.onRetry}>
            {props.retryLabel}
          </button>
        </div>
      )}
      {props.pending && props.error === null && <p role="status">{props.loadingLabel}</p>}
    </>
  )
}
