import { useId, useState } from 'react'

/**
 * A choice from a list and a button that acts on it (add a member, grant a dataset, assign a
 * reviewer). A refusal from the server is shown right beside it, where the choice was made.
 */
export function Picker(props: {
  label: string
  choose: string
  options: { id: string; label: string }[]
  onPick(id: string): Promise<void>
  /** the server's sentence when it refused the last pick */
  error?: string | null
  testId?: string
}) {
  const id = useId()
  const [value, setValue] = useState('')
  if (props.options.length === 0 && !props.error) return null
  return (
    <form
      className="admin-picker"
      data-testid={props.testId}
      onSubmit={(e) => {
        e.preventDefault()
        if (value !== '') void props.onPick(value).then(() => setValue(''))
      }}
    >
      <label htmlFor={id} className="visually-hidden">
        {props.label}
      </label>
      <select
        id={id}
        value={value}
        onChange={(e) => setValue(e.target.value)}
        aria-describedby={props.error ? `${id}-error` : undefined}
      >
        <option value="">{props.choose}</option>
        {props.options.map((o) => (
          <option key={o.id} value={o.id}>
            {o.label}
          </option>
        ))}
      </select>
      <button type="submit" className="button button--small button--secondary" disabled={value === ''}>
        {props.label}
      </button>
      {props.error && (
        <p
          id={`${id}-error`}
          className="field__error admin-picker__error"
          role="alert"
          lang="en"
          data-testid="picker-error"
        >
          {props.error}
        </p>
      )}
    </form>
  )
}
