import { useEffect, useRef } from 'react'
import { Link } from 'react-router'
import { LanguageSwitch } from '../i18n/LanguageSwitch'
import { useStrings } from '../i18n/language'
import { places } from './places'
import { appStrings } from './strings'

/** An address the app has no place for: say so, and offer the way back. */
export function NotFoundPage() {
  const t = useStrings(appStrings)
  const heading = useRef<HTMLHeadingElement>(null)

  useEffect(() => {
    document.title = `${t.notFound.documentTitle} – ${t.productName}`
  }, [t])
  useEffect(() => heading.current?.focus(), [])

  return (
    <div className="page">
      <header className="topbar">
        <span className="topbar__product">{t.productName}</span>
        <div className="topbar__actions">
          <LanguageSwitch />
        </div>
      </header>
      <main className="home" data-testid="not-found">
        <h1 ref={heading} tabIndex={-1} className="home__heading">
          {t.notFound.heading}
        </h1>
        <p>{t.notFound.body}</p>
        <Link to={places.overview()} className="button" data-testid="not-found-overview">
          {t.notFound.toOverview}
        </Link>
      </main>
    </div>
  )
}
