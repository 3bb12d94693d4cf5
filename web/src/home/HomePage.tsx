import { useCallback, useEffect, useRef, useState } from 'react'
import { Link, useNavigate } from 'react-router'
import { OwnCredentials } from '../account/OwnCredentials'
import { accountStrings } from '../account/strings'
import { MyRequests } from '../airlock/MyRequests'
import { ReviewQueue } from '../airlock/ReviewQueue'
import { NotificationList, QueueBadge } from '../airlock/watch'
import { ApiError, type ApiClient } from '../api/client'
import type { Eligibility, MeResponse, OrganizationView, ProjectView, UserView } from '../api/types'
import { places } from '../app/places'
import { appStrings, type SignedOutNotice } from '../app/strings'
import { formatDate } from '../i18n/format'
import { LanguageSwitch } from '../i18n/LanguageSwitch'
import { useLanguage, useStrings } from '../i18n/language'
import { adminStrings } from '../admin/strings'
import { homeStrings } from './strings'

type MeState = { kind: 'loading' } | { kind: 'loaded'; me: MeResponse } | { kind: 'failed'; detail: string | null }

interface Props {
  api: ApiClient
  /** From the login or refresh answer, shown until /me arrives. */
  user: UserView
  onSignedOut(notice: SignedOutNotice): void
}

/**
 * The overview: who is signed in, what they may do, and the way into each place (a project's
 * workspace, which starts its analysis session; a request to review; the console).
 */
export function HomePage({ api, user, onSignedOut }: Props) {
  const navigate = useNavigate()
  const t = useStrings(homeStrings)
  const app = useStrings(appStrings)
  const admin = useStrings(adminStrings)
  const [meState, setMeState] = useState<MeState>({ kind: 'loading' })
  const [signingOut, setSigningOut] = useState(false)
  // changing one's own password and authenticator: from the account menu, or required (see OwnCredentials)
  const [ownCredentials, setOwnCredentials] = useState(false)
  const account = useStrings(accountStrings)
  const heading = useRef<HTMLHeadingElement>(null)

  useEffect(() => {
    document.title = `${t.documentTitle} – ${app.productName}`
  }, [t, app])

  // Screen readers otherwise stay on the vanished login form.
  useEffect(() => heading.current?.focus(), [])

  const load = useCallback(() => {
    let current = true
    setMeState({ kind: 'loading' })
    api.me().then(
      (me) => {
        if (current) setMeState({ kind: 'loaded', me })
      },
      (error: unknown) => {
        // A 401 here already ended the session through onSessionEnded.
        if (!current || (error instanceof ApiError && error.status === 401)) return
        setMeState({ kind: 'failed', detail: error instanceof ApiError ? error.serverMessage : null })
      }
    )
    return () => {
      current = false
    }
  }, [api])

  useEffect(load, [load])

  async function signOut() {
    setSigningOut(true)
    try {
      await api.logout()
      onSignedOut('signed-out')
    } catch (error) {
      // 401: the server holds no session for us any more, which is what signing out wanted.
      onSignedOut(error instanceof ApiError && error.status === 401 ? 'signed-out' : 'logout-unconfirmed')
    }
  }

  const shownUser = meState.kind === 'loaded' ? meState.me.user : user
  const isResearcher = shownUser.roles.includes('researcher')
  const isReviewer = shownUser.roles.includes('reviewer')
  const projects = meState.kind === 'loaded' ? meState.me.projects : []
  const canWork = meState.kind === 'loaded' && meState.me.eligibility.canWork && isResearcher

  return (
    <div className="home-layout">
      <header className="topbar">
        <span className="topbar__product">{app.productName}</span>
        <div className="topbar__actions">
          <dl className="topbar__identity">
            <div>
              <dt className="visually-hidden">{t.signedInAs}</dt>
              <dd className="topbar__user" data-testid="home-user">
                {shownUser.displayName}
              </dd>
            </div>
            <div>
              <dt className="visually-hidden">{t.rolesLabel}</dt>
              <dd data-testid="home-roles">{shownUser.roles.map((role) => t.roles[role]).join(', ')}</dd>
            </div>
            <div>
              <dt className="visually-hidden">{t.organizationLabel}</dt>
              <dd data-testid="home-organization">{shownUser.organization?.name ?? t.noOrganization}</dd>
            </div>
          </dl>
          <QueueBadge />
          <LanguageSwitch />
          <button
            type="button"
            className="button button--secondary"
            onClick={() => setOwnCredentials((open) => !open)}
            aria-pressed={ownCredentials}
            data-testid="change-credentials"
          >
            {account.menu}
          </button>
          <button
            type="button"
            className="button button--secondary"
            onClick={signOut}
            disabled={signingOut}
            data-testid="logout"
          >
            {signingOut ? t.signingOut : t.signOut}
          </button>
        </div>
      </header>
      <NotificationList />
      <main className="home">
        <h1 ref={heading} tabIndex={-1} className="home__heading">
          {t.heading}
        </h1>
        {shownUser.status === 'suspended' && <p className="badge badge--danger">{t.accountSuspended}</p>}
        {meState.kind === 'loading' && (
          <p role="status" className="home__loading">
            {t.loading}
          </p>
        )}
        {meState.kind === 'failed' && (
          <div role="alert" className="error-message">
            <p>{meState.detail ?? t.loadFailed}</p>
            <button type="button" className="button button--secondary" onClick={load}>
              {t.retry}
            </button>
          </div>
        )}
        {/* a reviewer or administrator with handed-out credentials sets their own before anything else */}
        {(shownUser.mustChangeCredentials || ownCredentials) && (
          <OwnCredentials
            api={api}
            user={shownUser}
            onChanged={() => {
              setOwnCredentials(true)
              load()
            }}
          />
        )}
        {shownUser.roles.includes('admin') && (
          <section className="card" aria-labelledby="admin-heading">
            <h2 id="admin-heading" className="card__heading">
              {admin.heading}
            </h2>
            <p>{admin.openIntro}</p>
            <Link to={places.admin()} className="button button--secondary" data-testid="open-admin">
              {admin.open}
            </Link>
          </section>
        )}
        {/* what a reviewer comes for comes first */}
        {isReviewer && <ReviewQueue api={api} onOpen={(requestId) => navigate(places.review(requestId))} />}
        {meState.kind === 'loaded' && (
          <EligibilityBanner eligibility={meState.me.eligibility} isResearcher={isResearcher} />
        )}
        <CertificationCard organization={shownUser.organization} />
        {meState.kind === 'loaded' && (isResearcher || projects.length > 0) && (
          <ProjectList projects={projects} canWork={canWork} />
        )}
        {isResearcher && meState.kind === 'loaded' && (
          <MyRequests
            api={api}
            sessionId={null}
            projectTitles={new Map(projects.map((p) => [p.id, p.title]))}
            onOpenWorkspace={
              canWork
                ? (projectId) => {
                    const project = projects.find((p) => p.id === projectId && p.state === 'active')
                    if (project !== undefined) navigate(places.workspace(project.id))
                  }
                : undefined
            }
          />
        )}
      </main>
    </div>
  )
}

function EligibilityBanner({ eligibility, isResearcher }: { eligibility: Eligibility; isResearcher: boolean }) {
  const t = useStrings(homeStrings).eligibility
  if (eligibility.canWork) {
    return (
      <p className="banner banner--ok" data-testid="eligibility-ok">
        {t.ok}
      </p>
    )
  }
  // A reviewer or administrator is not expected to analyse: say why calmly rather than as an alarm.
  return (
    <section
      className={`banner ${isResearcher ? 'banner--blocked' : 'banner--info'}`}
      aria-labelledby="eligibility-heading"
      data-testid="eligibility"
    >
      <h2 id="eligibility-heading" className="banner__heading">
        {isResearcher ? t.blockedHeading : t.notResearcherHeading}
      </h2>
      {isResearcher && <p>{t.blockedIntro}</p>}
      <ul className="banner__reasons" data-testid="eligibility-reasons">
        {eligibility.reasons.map((reason, index) => (
          <li key={index}>{reason}</li>
        ))}
      </ul>
    </section>
  )
}

function CertificationCard({ organization }: { organization: OrganizationView | null }) {
  const t = useStrings(homeStrings).certification
  const { language } = useLanguage()
  const certification = organization?.certification ?? null
  return (
    <section className="card" aria-labelledby="certification-heading" data-testid="certification">
      <h2 id="certification-heading" className="card__heading">
        {t.heading}
      </h2>
      {organization === null && <p>{t.noOrganization}</p>}
      {organization !== null && certification === null && (
        <>
          <p className="card__subheading">{organization.name}</p>
          <p>{t.none}</p>
        </>
      )}
      {organization !== null && certification !== null && (
        <dl className="summary">
          <div className="summary__row">
            <dt>{t.organization}</dt>
            <dd>{organization.name}</dd>
          </div>
          <div className="summary__row">
            <dt>{t.number}</dt>
            <dd data-testid="cert-number">{certification.number}</dd>
          </div>
          <div className="summary__row">
            <dt>{t.validFrom}</dt>
            <dd>
              <time dateTime={certification.validFrom}>{formatDate(certification.validFrom, language)}</time>
            </dd>
          </div>
          <div className="summary__row">
            <dt>{t.validTo}</dt>
            <dd>
              <time dateTime={certification.validTo}>{formatDate(certification.validTo, language)}</time>
            </dd>
          </div>
          <div className="summary__row">
            <dt>{t.state}</dt>
            <dd>
              <span
                className={`badge badge--${certification.state === 'valid' ? 'ok' : certification.state === 'not_yet_valid' ? 'info' : 'danger'}`}
                data-state={certification.state}
                data-testid="cert-state"
              >
                {t.states[certification.state]}
              </span>
            </dd>
          </div>
        </dl>
      )}
    </section>
  )
}

const PROJECT_BADGE: Record<ProjectView['state'], string> = { upcoming: 'info', active: 'ok', ended: 'neutral' }

function ProjectList({ projects, canWork }: { projects: ProjectView[]; canWork: boolean }) {
  const t = useStrings(homeStrings).projects
  const { language } = useLanguage()
  return (
    <section aria-labelledby="projects-heading" className="projects">
      <h2 id="projects-heading" className="projects__heading">
        {t.heading}
      </h2>
      {projects.length === 0 && (
        <p className="empty-state" data-testid="projects-empty">
          {t.empty}
        </p>
      )}
      {projects.length > 0 && (
        <ul className="projects__list">
          {projects.map((project) => (
            <li key={project.id} className="card project" data-testid="project-card" data-project-id={project.id}>
              <div className="project__title-row">
                <h3 className="project__title">{project.title}</h3>
                <span
                  className={`badge badge--${PROJECT_BADGE[project.state]}`}
                  data-state={project.state}
                  data-testid="project-state"
                >
                  {t.states[project.state]}
                </span>
              </div>
              <dl className="summary">
                <div className="summary__row">
                  <dt>{t.purpose}</dt>
                  <dd>{project.purpose}</dd>
                </div>
                <div className="summary__row">
                  <dt>{t.approval}</dt>
                  <dd>{project.approvalReference}</dd>
                </div>
                <div className="summary__row">
                  <dt>{t.period}</dt>
                  <dd>
                    {t.periodValue(formatDate(project.startDate, language), formatDate(project.endDate, language))}
                  </dd>
                </div>
                <div className="summary__row">
                  <dt>{t.datasets}</dt>
                  <dd>
                    {project.datasets.length === 0 ? (
                      t.noDatasets
                    ) : (
                      <ul className="datasets">
                        {project.datasets.map((dataset) => (
                          <li key={dataset.id}>
                            <span className="datasets__name">{dataset.name}</span>
                            {dataset.description !== '' && (
                              <span className="datasets__description">{dataset.description}</span>
                            )}
                          </li>
                        ))}
                      </ul>
                    )}
                  </dd>
                </div>
              </dl>
              {canWork && project.state === 'active' && (
                <Link
                  to={places.workspace(project.id)}
                  className="button button--primary project__open"
                  data-testid="open-workspace"
                >
                  {t.openWorkspace}
                </Link>
              )}
            </li>
          ))}
        </ul>
      )}
    </section>
  )
}
