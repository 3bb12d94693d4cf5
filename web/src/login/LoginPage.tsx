import { useEffect, useId, useRef, useState, type FormEvent } from 'react'
import { ApiError, NetworkError, type ApiClient } from '../api/client'
import type { UserView } from '../api/types'
import { appStrings } from '../app/strings'
import { LanguageSwitch } from '../i18n/LanguageSwitch'
import { useStrings } from '../i18n/language'
import { loginStrings } from './strings'

type Field = 'username' | 'password' | 'totp'

type SubmitState =
  { kind: 'editing' } | { kind: 'submitting' } | { kind: 'failed'; message: string; field: Field | null }

interface Props {
  api: ApiClient
  /** Why the user is here, e.g. after signing out or when the session ended. */
  notice: string | null
  onSignedIn(user: UserView): void
}

export function LoginPage({ api, notice, onSignedIn }: Props) {
  const t = useStrings(loginStrings)
  const app = useStrings(appStrings)
  const id = useId()
  const [username, setUsername] = useState('')
  const [password, setPassword] = useState('')
  const [totp, setTotp] = useState('')
  const [state, setState] = useState<SubmitState>({ kind: 'editing' })
  const fields = {
    username: useRef<HTMLInputElement>(null),
    password: useRef<HTMLInputElement>(null),
    totp: useRef<HTMLInputElement>(null)
  }

  useEffect(() => {
    document.title = `${t.documentTitle} – ${app.productName}`
  }, [t, app])

  useEffect(() => {
    fields.username.current?.focus()
  }, [fields.username])

  function fail(message: string, field: Field | null) {
    setState({ kind: 'failed', message, field })
    if (field !== null) fields[field].current?.focus()
  }

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault()
    if (state.kind === 'submitting') return
    if (username.trim() === '') return fail(t.missingUsername, 'username')
    if (password === '') return fail(t.missingPassword, 'password')
    if (!/^\d{6}$/.test(totp)) return fail(t.badTotp, 'totp')

    setState({ kind: 'submitting' })
    try {
      const tokens = await api.login({ username: username.trim(), password, totp })
      onSignedIn(tokens.user)
    } catch (error) {
      if (error instanceof NetworkError) return fail(t.serverUnreachable, null)
      if (!(error instanceof ApiError)) throw error
      // A code is accepted once; whatever went wrong, the next attempt needs a fresh one.
      setTotp('')
      const wait = error.details.retryAfterSeconds
      if (error.code === 'VRE_ERR_SIGN_IN_DELAYED' && typeof wait === 'number') return fail(t.delayed(wait), 'totp')
      fail(error.serverMessage ?? t.unexpected(error.status), 'totp')
    }
  }

  const submitting = state.kind === 'submitting'
  const invalid = state.kind === 'failed' ? state.field : null
  const errorId = `${id}-error`
  const describedBy = (field: Field, ...others: string[]) =>
    [...others, invalid === field ? errorId : null].filter(Boolean).join(' ') || undefined

  return (
    <div className="login-layout">
      <header className="topbar">
        <span className="topbar__product">{app.productName}</span>
        <div className="topbar__actions">
          <LanguageSwitch />
        </div>
      </header>
      <main className="login">
        <h1 className="login__heading">{t.heading}</h1>
        <p className="login__intro">{t.intro}</p>
        {notice !== null && (
          <p className="notice" role="status" data-testid="login-notice">
            {notice}
          </p>
        )}
        <div id={errorId} className="error-message" role="alert" aria-live="assertive" data-testid="login-error">
          {state.kind === 'failed' ? state.message : null}
        </div>
        <form className="login__form" noValidate onSubmit={submit} aria-busy={submitting}>
          <div className="field">
            <label htmlFor={`${id}-username`}>{t.username}</label>
            <input
              ref={fields.username}
              id={`${id}-username`}
              name="username"
              type="text"
              autoComplete="username"
              autoCapitalize="none"
              spellCheck={false}
              required
              maxLength={64}
              value={username}
              onChange={(e) => setUsername(e.target.value)}
              aria-invalid={invalid === 'username' || undefined}
              aria-describedby={describedBy('username')}
              data-testid="login-username"
            />
          </div>
          <div className="field">
            <label htmlFor={`${id}-password`}>{t.password}</label>
            <input
              ref={fields.password}
              id={`${id}-password`}
              name="password"
              type="password"
              autoComplete="current-password"
              required
              maxLength={1024}
              value={password}
              onChange={(e) => setPassword(e.target.value)}
              aria-invalid={invalid === 'password' || undefined}
              aria-describedby={describedBy('password')}
              data-testid="login-password"
            />
          </div>
          <div className="field">
            <label htmlFor={`${id}-totp`}>{t.totp}</label>
            <p id={`${id}-totp-hint`} className="field__hint">
              {t.totpHint}
            </p>
            <input
              ref={fields.totp}
              id={`${id}-totp`}
              name="totp"
              className="field__input--code"
              type="text"
              inputMode="numeric"
              autoComplete="one-time-code"
              pattern="[0-9]{6}"
              required
              value={totp}
              onChange={(e) => setTotp(e.target.value.replace(/\D/g, '').slice(0, 6))}
              aria-invalid={invalid === 'totp' || undefined}
              aria-describedby={describedBy('totp', `${id}-totp-hint`)}
              data-testid="login-totp"
            />
          </div>
          <button type="submit" className="button button--primary" disabled={submitting} data-testid="login-submit">
            {submitting ? t.submitting : t.submit}
          </button>
        </form>
        <p className="login__footer">{t.footer}</p>
      </main>
    </div>
  )
}
