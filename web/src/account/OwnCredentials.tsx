import { useId, useState, type FormEvent, type ReactNode } from 'react'
import { serverMessage, type ApiClient } from '../api/client'
import type { NewOwnSecret, UserView } from '../api/types'
import { useStrings } from '../i18n/language'
import { accountStrings } from './strings'

type Stage =
  | { kind: 'closed' }
  | { kind: 'loading' }
  | { kind: 'open'; secret: NewOwnSecret }
  | { kind: 'submitting'; secret: NewOwnSecret }
  | { kind: 'done' }

/** Groups a base32 secret in fours, as authenticator apps show it. */
const grouped = (secret: string) => secret.replace(/(.{4})(?=.)/g, '$1 ')

/**
 * A signed-in person sets their own password and authenticator (POST /api/v1/me/credentials):
 * they are shown a new secret, prove themselves with their current password and code, choose a
 * new password and confirm the new secret with a code. A reviewer or administrator whose
 * credentials an administrator handed out is told here that they must, before they review or
 * administer; anyone else may, from the same card.
 */
export function OwnCredentials({ api, user, onChanged }: { api: ApiClient; user: UserView; onChanged(): void }) {
  const t = useStrings(accountStrings)
  const id = useId()
  const [stage, setStage] = useState<Stage>({ kind: 'closed' })
  const [error, setError] = useState<string | null>(null)
  const [fields, setFields] = useState({ password: '', totp: '', newPassword: '', confirm: '', newTotp: '' })
  const must = user.mustChangeCredentials

  async function start() {
    setError(null)
    setStage({ kind: 'loading' })
    try {
      setStage({ kind: 'open', secret: await api.request('POST /api/v1/me/credentials/secret') })
    } catch (err) {
      setError(serverMessage(err))
      setStage({ kind: 'closed' })
    }
  }

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault()
    if (stage.kind !== 'open') return
    if (fields.newPassword.length < 12) return setError(t.tooShort)
    if (fields.newPassword !== fields.confirm) return setError(t.mismatch)
    if (!/^\d{6}$/.test(fields.totp) || !/^\d{6}$/.test(fields.newTotp)) return setError(t.badCode)
    setError(null)
    setStage({ kind: 'submitting', secret: stage.secret })
    try {
      const { confirm: _confirm, ...body } = fields
      await api.request('POST /api/v1/me/credentials', { body: { ...body, ticket: stage.secret.ticket } })
      setStage({ kind: 'done' })
      onChanged()
    } catch (err) {
      setFields((f) => ({ ...f, totp: '', newTotp: '' }))
      setError(serverMessage(err))
      setStage({ kind: 'open', secret: stage.secret })
    }
  }

  const field = (name: keyof typeof fields, label: string, type: 'password' | 'code', hint?: string): ReactNode => (
    <div className="field">
      <label htmlFor={`${id}-${name}`}>{label}</label>
      {hint !== undefined && <p className="field__hint">{hint}</p>}
      <input
        id={`${id}-${name}`}
        {...(type === 'code'
          ? {
              type: 'text',
              inputMode: 'numeric' as const,
              autoComplete: 'one-time-code',
              className: 'field__input--code'
            }
          : {
              type: 'password',
              autoComplete: name === 'password' ? 'current-password' : 'new-password',
              maxLength: 1024
            })}
        value={fields[name]}
        onChange={(e) => {
          const value = type === 'code' ? e.target.value.replace(/\D/g, '').slice(0, 6) : e.target.value
          setFields((f) => ({ ...f, [name]: value }))
        }}
        data-testid={`own-${name}`}
      />
    </div>
  )

  const shown = stage.kind === 'open' || stage.kind === 'submitting' ? stage.secret : null
  return (
    <section
      className={must && stage.kind !== 'done' ? 'banner banner--blocked' : 'card'}
      aria-labelledby={`${id}-h`}
      data-testid="own-credentials"
      data-must={must}
    >
      <h2 id={`${id}-h`} className={must ? 'banner__heading' : 'card__heading'}>
        {must ? t.mustHeading : t.heading}
      </h2>
      {stage.kind === 'done' ? (
        <p role="status" data-testid="own-credentials-done">
          {t.done}
        </p>
      ) : (
        <p>{must ? t.mustIntro : t.intro}</p>
      )}
      {(stage.kind === 'closed' || stage.kind === 'loading') && (
        <button
          type="button"
          className="button button--secondary"
          onClick={start}
          disabled={stage.kind === 'loading'}
          data-testid="own-credentials-start"
        >
          {stage.kind === 'loading' ? t.loading : must ? t.startMust : t.start}
        </button>
      )}
      {shown !== null && (
        <form className="login__form" noValidate onSubmit={submit} aria-busy={stage.kind === 'submitting'}>
          <fieldset className="enrolment__step">
            <legend>{t.stepAuthenticator}</legend>
            <p className="field__hint">{t.authenticatorHint}</p>
            <p>
              {t.secret}:{' '}
              <code className="enrolment__secret" data-testid="own-secret">
                {grouped(shown.totpSecret)}
              </code>
            </p>
            <p>
              <a href={shown.totpUri}>{t.openInApp}</a>
            </p>
          </fieldset>
          <fieldset className="enrolment__step">
            <legend>{t.stepCurrent}</legend>
            <input type="text" name="username" autoComplete="username" value={user.username} readOnly hidden />
            {field('password', t.password, 'password')}
            {field('totp', t.code, 'code')}
          </fieldset>
          <fieldset className="enrolment__step">
            <legend>{t.stepNew}</legend>
            {field('newPassword', t.newPassword, 'password', t.newPasswordHint)}
            {field('confirm', t.confirm, 'password')}
            {field('newTotp', t.newCode, 'code')}
          </fieldset>
          <div className="button-row">
            <button
              type="submit"
              className="button button--primary"
              disabled={stage.kind === 'submitting'}
              data-testid="own-credentials-submit"
            >
              {stage.kind === 'submitting' ? t.submitting : t.submit}
            </button>
            <button type="button" className="button button--secondary" onClick={() => setStage({ kind: 'closed' })}>
              {t.cancel}
            </button>
          </div>
        </form>
      )}
      <div className="error-message" role="alert" aria-live="assertive" data-testid="own-credentials-error">
        {error}
      </div>
    </section>
  )
}
