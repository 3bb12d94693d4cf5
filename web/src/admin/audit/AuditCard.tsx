import type { ReactNode } from 'react'

/** One card of the audit tab, named by its heading (`audit-<name>-heading`) for assistive technology. */
export function AuditCard(props: { name: string; heading: string; children: ReactNode }) {
  return (
    <section className="card" aria-labelledby={`audit-${props.name}-heading`}>
      <h2 id={`audit-${props.name}-heading`} className="card__heading">
        {props.heading}
      </h2>
      {props.children}
    </section>
  )
}

/** The audit tab's form of a row of fields: submitting stays on the page and runs `onSubmit`. */
export function AuditFilters(props: { onSubmit(): void; children: ReactNode }) {
  return (
    <form
      className="admin-audit__filters"
      onSubmit={(e) => {
        e.preventDefault()
        props.onSubmit()
      }}
    >
      {props.children}
    </form>
  )
}

/** Asks for one session by its id (its log, its recording); `name` prefixes the test ids. */
export function SessionAsk(props: {
  name: string
  label: string
  submitLabel: string
  value: string
  onChange(value: string): void
  onSubmit(session: string): void
}) {
  return (
    <AuditFilters onSubmit={() => props.onSubmit(props.value.trim())}>
      <label className="field">
        <span className="field__label">{props.label}</span>
        <input
          className="field__input"
          value={props.value}
          onChange={(e) => props.onChange(e.target.value)}
          data-testid={`${props.name}-session`}
        />
      </label>
      <button type="submit" className="button" data-testid={`${props.name}-load`}>
        {props.submitLabel}
      </button>
    </AuditFilters>
  )
}
