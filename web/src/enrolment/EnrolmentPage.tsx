import { useEffect, useId, useRef, useState, type FormEvent } from 'react'
import { NetworkError, serverMessage, type ApiClient } from '../api/client'
import type { OpenedEnrolment } from '../api/types'
import { appStrings } from '../app/strings'
import { formatDateTime } from '../i18n/format'
import { LanguageSwitch } from '../i18n/LanguageSwitch'
import { useLanguage, useStrings } from '../i18n/language'
import { EnterLink } from './EnterLink'
import { enrolmentStrings } from './strings'

type Opening =
  | { kind: 'asking' }
  | { kind: 'opening' }
  | { kind: 'open'; enrolment: OpenedEnrolment }
  | { kind: 'refused'; message: string }
type Submit = { kind: 'editing' } | { kind: 'submitting' } | { kind: 'failed'; message: string } | { kind: 'done' }

/** Groups a base32 secret in fours, as authenticator apps show it, so it can be typed without losing one's place. */
const grouped = (secret: string) => secret.replace(/(.{4})(?=.)/g, '$1 ')

/**
 * Where a person enrols from the link an administrator (or the operator) gave them: they are shown
 * the authenticator secret once, choose their own password and confirm the secret with a code.
 * Nobody else ever sees either. Signed out: the link's token is the only credential here. Opened
 * without one, the page asks for it: the whole link, or the two parts a reviewer's or
 * administrator's link comes in, one from each of two administrators.
 */
export function EnrolmentPage({ api, token: given, onDone }: { api: ApiClient; token: string | null; onDone(): void }) {
  const t = useStrings(enrolmentStrings)
  const app = useStrings(appStrings)
  const { language } = useLanguage()
  const id = useId()
  const [token, setToken] = useState(given)
  const [opening, setOpening] = useState<Opening>(token === null ? { kind: 'asking' } : { kind: 'opening' })
  const [password, setPassword] = useState('')
  const [confirm, setConfirm] = useState('')
  const [code, setCode] = useState('')
  const [submit, setSubmit] = useState<Submit>({ kind: 'editing' })
  // opening the link again replaces the secret: a remounted page (React's StrictMode) must not open it twice
  const opened = useRef<{ token: string; opening: Promise<OpenedEnrolment> } | null>(null)

  useEffect(() => {
    document.title = `${t.documentTitle} – ${app.productName}`
  }, [t, app])

  useEffect(() => {
    if (token === null) return
    let current = true
    if (opened.current?.token !== token) opened.current = { token, opening: api.openEnrolment(token) }
    setOpening({ kind: 'opening' })
    opened.current.opening.then(
      (enrolment) => current && setOpening({ kind: 'open', enrolment }),
      (err: unknown) =>
        current &&
        setOpening({ kind: 'refused', message: err instanceof NetworkError ? t.unreachable : serverMessage(err) })
    )
    return () => {
      current = false
    }
  }, [api, token, t])

  async function finish(event: FormEvent<HTMLFormElement>) {
    event.preventDefault()
    if (token === null || submit.kind === 'submitting') return
    if (password.length < 12) return setSubmit({ kind: 'failed', message: t.tooShort })
    if (password !== confirm) return setSubmit({ kind: 'failed', message: t.mismatch })
    if (!/^\d{6}$/.test(code)) return setSubmit({ kind: 'failed', message: t.badCode })
    setSubmit({ kind: 'submitting' })
    try {
      await api.completeEnrolment({ token, password, totp: code })
      setSubmit({ kind: 'done' })
    } catch (err) {
      setCode('')
      setSubmit({ kind: 'failed', message: err instanceof NetworkError ? t.unreachable : serverMessage(err) })
    }
  }

  return (
    <div className="login-layout">
      <header className="topbar">
        <span className="topbar__product">{app.productName}</span>
        <div className="topbar__actions">
          <LanguageSwitch />
        </div>
      </header>
      <main className="login enrolment" data-testid="enrolment">
        <h1 className="login__heading">{submit.kind === 'done' ? t.doneHeading : t.heading}</h1>
        {opening.kind === 'opening' && <p role="status">{t.opening}</p>}
        {opening.kind === 'refused' && (
          <p className="error-message" role="alert" data-testid="enrolment-refused">
            {opening.message}
          </p>
        )}
        {(opening.kind === 'asking' || opening.kind === 'refused') && <EnterLink onToken={setToken} />}
        {opening.kind === 'open' && submit.kind === 'done' && (
          <div role="status" data-testid="enrolment-done">
            <p>{t.done(opening.enrolment.username)}</p>
            <button type="button" className="button button--primary" onClick={onDone} data-testid="enrolment-sign-in">
              {t.toSignIn}
            </button>
          </div>
        )}
        {opening.kind === 'open' && submit.kind !== 'done' && (
          <>
            <p className="login__intro">{t.intro(opening.enrolment.displayName, opening.enrolment.username)}</p>
            <p className="field__hint">{t.expires(formatDateTime(opening.enrolment.expiresAt, language))}</p>
            <form className="login__form" noValidate onSubmit={finish} aria-busy={submit.kind === 'submitting'}>
              <fieldset className="enrolment__step">
                <legend>{t.stepAuthenticator}</legend>
                <p className="field__hint">{t.authenticatorHint}</p>
                <p>
                  {t.secret}:{' '}
                  <code className="enrolment__secret" data-testid="enrolment-secret">
                    {grouped(opening.enrolment.totpSecret)}
                  </code>
                </p>
                <p>
                  <a href={opening.enrolment.totpUri} data-testid="enrolment-uri">
                    {t.openInApp}
                  </a>
                </p>
              </fieldset>
              <fieldset className="enrolment__step">
                <legend>{t.stepPassword}</legend>
                <input
                  type="text"
                  name="username"
                  autoComplete="username"
                  value={opening.enrolment.username}
                  readOnly
                  hidden
                />
                <div className="field">
                  <label htmlFor={`${id}-password`}>{t.password}</label>
                  <p id={`${id}-password-hint`} className="field__hint">
                    {t.passwordHint}
                  </p>
                  <input
                    id={`${id}-password`}
                    type="password"
                    autoComplete="new-password"
                    maxLength={1024}
                    value={password}
                    onChange={(e) => setPassword(e.target.value)}
                    aria-describedby={`${id}-password-hint`}
                    data-testid="enrolment-password"
                  />
                </div>
                <div className="field">
                  <label htmlFor={`${id}-confirm`}>{t.confirm}</label>
                  <input
                    id={`${id}-confirm`}
                    type="password"
                    autoComplete="new-password"
                    maxLength={1024}
                    value={confirm}
                    onChange={(e) => setConfirm(e.target.value)}
                    data-testid="enrolment-confirm"
                  />
                </div>
              </fieldset>
              <fieldset className="enrolment__step">
                <legend>{t.stepCode}</legend>
                <div className="field">
                  <label htmlFor={`${id}-code`}>{t.code}</label>
                  <input
                    id={`${id}-code`}
                    className="field__input--code"
                    type="text"
                    inputMode="numeric"
                    autoComplete="one-time-code"
                    value={code}
                    onChange={(e) => setCode(e.target.value.replace(/\D/g, '').slice(0, 6))}
                    data-testid="enrolment-code"
                  />
                </div>
              </fieldset>
              <div className="error-message" role="alert" aria-live="assertive" data-testid="enrolment-error">
                {submit.kind === 'failed' ? submit.message : null}
              </div>
              <button
                type="submit"
                className="button button--primary"
                disabled={submit.kind === 'submitting'}
                data-testid="enrolment-submit"
              >
                {submit.kind === 'submitting' ? t.submitting : t.submit}
              </button>
            </form>
          </>
        )}
      </main>
    </div>
  )
}
