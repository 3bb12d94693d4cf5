import { useEffect, useRef } from 'react'
import { Link, useNavigate, useParams } from 'react-router'
import type { ApiClient } from '../api/client'
import type { UserView } from '../api/types'
import { NotFoundPage } from '../app/NotFoundPage'
import { places } from '../app/places'
import { appStrings } from '../app/strings'
import { LanguageSwitch } from '../i18n/LanguageSwitch'
import { useLanguage, useStrings } from '../i18n/language'
import { adminStrings } from './strings'
import { ADMIN_TABS } from './tabs'

/**
 * The administrators' console: one tab per part (admin/tabs.ts), keyboard-navigable as a tab list.
 * The tab shown is the URL's (`/admin/:tab`, the first at `/admin`); a tab reads its record from
 * the URL too (`/admin/:tab/:recordId`).
 */
export function AdminPage({ api, user }: { api: ApiClient; user: UserView }) {
  const t = useStrings(adminStrings)
  const app = useStrings(appStrings)
  const { language } = useLanguage()
  const navigate = useNavigate()
  const { tab: asked } = useParams<{ tab?: string }>()
  const heading = useRef<HTMLHeadingElement>(null)

  useEffect(() => {
    document.title = `${t.documentTitle} – ${app.productName}`
  }, [t, app])
  useEffect(() => heading.current?.focus(), [])

  const index = asked === undefined ? 0 : ADMIN_TABS.findIndex((tab) => tab.id === asked)
  const tab = ADMIN_TABS[index]
  if (tab === undefined) return <NotFoundPage />

  // arrow keys step through the tabs without leaving a history entry for each
  const move = (by: number) => {
    const next = ADMIN_TABS[(index + by + ADMIN_TABS.length) % ADMIN_TABS.length]
    if (next === undefined) return
    navigate(places.admin(next.id), { replace: true })
    document.getElementById(`admin-tab-${next.id}`)?.focus()
  }

  return (
    <div className="page">
      <header className="topbar">
        <span className="topbar__product">{app.productName}</span>
        <div className="topbar__actions">
          <span className="topbar__user">{user.displayName}</span>
          <LanguageSwitch />
          <Link to={places.overview()} className="button button--secondary" data-testid="admin-back">
            {t.back}
          </Link>
        </div>
      </header>
      <main className="admin">
        <h1 ref={heading} tabIndex={-1} className="home__heading">
          {t.heading}
        </h1>
        <div
          role="tablist"
          aria-label={t.tabsLabel}
          className="tabs"
          onKeyDown={(e) => {
            if (e.key === 'ArrowRight') move(1)
            else if (e.key === 'ArrowLeft') move(-1)
          }}
        >
          {ADMIN_TABS.map((x) => (
            <button
              key={x.id}
              id={`admin-tab-${x.id}`}
              type="button"
              role="tab"
              className="tabs__tab"
              aria-selected={x.id === tab.id}
              aria-controls={`admin-panel-${x.id}`}
              tabIndex={x.id === tab.id ? 0 : -1}
              onClick={() => x.id !== tab.id && navigate(places.admin(x.id))}
              data-testid={`admin-tab-${x.id}`}
            >
              {x.label[language]}
            </button>
          ))}
        </div>
        <section key={tab.id} role="tabpanel" id={`admin-panel-${tab.id}`} aria-labelledby={`admin-tab-${tab.id}`}>
          {tab.render({ api, user })}
        </section>
      </main>
    </div>
  )
}
