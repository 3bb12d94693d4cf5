import { useId, useState, type FormEvent } from 'react'
import { useStrings } from '../i18n/language'
import { tokenFromParts } from './link'
import { enrolmentStrings } from './strings'

/**
 * Where the person enters their link when the page was opened without one: the whole link, or the
 * two parts a reviewer's or administrator's link comes in (one from each administrator), pasted
 * into a field each.
 */
export function EnterLink({ onToken }: { onToken(token: string): void }) {
  const t = useStrings(enrolmentStrings)
  const id = useId()
  const [first, setFirst] = useState('')
  const [second, setSecond] = useState('')
  const [error, setError] = useState<string | null>(null)

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault()
    const token = tokenFromParts(first, second)
    if (token === null) return setError(t.partsInvalid)
    setError(null)
    onToken(token)
  }

  return (
    <form className="login__form" noValidate onSubmit={submit} data-testid="enrolment-parts">
      <p className="field__hint">{t.partsIntro}</p>
      <div className="field">
        <label htmlFor={`${id}-first`}>{t.part1}</label>
        <input
          id={`${id}-first`}
          type="text"
          autoComplete="off"
          spellCheck={false}
          value={first}
          onChange={(e) => setFirst(e.target.value)}
          data-testid="enrolment-part1"
        />
      </div>
      <div className="field">
        <label htmlFor={`${id}-second`}>{t.part2}</label>
        <input
          id={`${id}-second`}
          type="text"
          autoComplete="off"
          spellCheck={false}
          value={second}
          onChange={(e) => setSecond(e.target.value)}
          data-testid="enrolment-part2"
        />
      </div>
      <div className="error-message" role="alert" aria-live="assertive" data-testid="enrolment-parts-error">
        {error}
      </div>
      <button type="submit" className="button button--primary" data-testid="enrolment-parts-submit">
        {t.partsSubmit}
      </button>
    </form>
  )
}
