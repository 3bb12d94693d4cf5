import type { ApiClient } from '../../api/client'
import { useApiQuery } from '../../api/query'
import { formatDateTime } from '../../i18n/format'
import { useLanguage, useStrings } from '../../i18n/language'
import { policyStrings } from './strings'

/** A policy's versions, newest first, each with who saved it, why, and its diff against the one before. */
export function PolicyHistory({ api, name }: { api: ApiClient; name: string }) {
  const t = useStrings(policyStrings)
  const { language } = useLanguage()
  // a save through the editor makes this stale (api/query.ts), so the new version shows at once
  const history = useApiQuery(api, 'GET /api/v1/admin/policies/:name/versions', { params: { name } }).data ?? []
  return (
    <section className="card" aria-labelledby="policy-history-heading">
      <h2 id="policy-history-heading" className="card__heading">
        {t.history.heading}
      </h2>
      <ol className="admin-policies__history" data-testid="policy-history">
        {history.map((v) => (
          <li key={v.version} data-testid={`policy-history-${v.version}`}>
            <strong>{t.history.version(v.version)}</strong> —{' '}
            {t.history.by(v.author.name, formatDateTime(v.createdAt, language))}: {v.comment ?? t.history.noComment}
            {v.diff === '' ? (
              <span className="field__hint"> ({t.history.first})</span>
            ) : (
              <details>
                <summary>{t.history.showDiff}</summary>
                <ol className="diff__lines">
                  {v.diff
                    .split('\n')
                    .filter((l) => l !== '' && !l.startsWith('===') && !l.startsWith('---') && !l.startsWith('+++'))
                    .map((l, i) => (
                      <li
                        key={i}
                        className={`diff__line${l.startsWith('+') ? ' diff__line--added' : l.startsWith('-') ? ' diff__line--removed' : l.startsWith('@@') ? ' diff__line--skipped' : ''}`}
                      >
                        <span className="diff__text">{l}</span>
                      </li>
                    ))}
                </ol>
              </details>
            )}
          </li>
        ))}
      </ol>
    </section>
  )
}
