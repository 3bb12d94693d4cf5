import { useEffect, useState } from 'react'
import { ApiError, type ApiClient } from '../api/client'
import type { CatalogView } from '../api/types'
import { useStrings } from '../i18n/language'
import { workspaceStrings } from './strings'

/** The project's data catalog beside the terminal: tables, columns, types, descriptions, searchable. */
export function CatalogPanel({ api, projectId }: { api: ApiClient; projectId: string }) {
  const t = useStrings(workspaceStrings).catalog
  const [query, setQuery] = useState('')
  const [catalog, setCatalog] = useState<CatalogView | null>(null)
  const [error, setError] = useState<string | null>(null)

  useEffect(() => {
    let current = true
    // a short pause, so typing does not send a request per key
    const timer = setTimeout(() => {
      api.catalog(projectId, query.trim()).then(
        (c) => {
          if (!current) return
          setCatalog(c)
          setError(null)
        },
        (err: unknown) => {
          if (current) setError(err instanceof ApiError ? (err.serverMessage ?? err.message) : String(err))
        }
      )
    }, 200)
    return () => {
      current = false
      clearTimeout(timer)
    }
  }, [api, projectId, query])

  const tables = catalog?.datasets.flatMap((d) => d.tables.map((table) => ({ dataset: d.name, table }))) ?? []
  return (
    <aside className="catalog" aria-labelledby="catalog-heading" data-testid="catalog">
      <h2 id="catalog-heading" className="catalog__heading">
        {t.heading}
      </h2>
      <input
        type="search"
        className="catalog__search"
        placeholder={t.search}
        aria-label={t.search}
        value={query}
        onChange={(e) => setQuery(e.target.value)}
        data-testid="catalog-search"
      />
      {error !== null && <p role="alert">{error}</p>}
      {catalog !== null && tables.length === 0 && <p className="empty-state">{t.nothing}</p>}
      <ul className="catalog__tables">
        {tables.map(({ dataset, table }) => (
          <li key={`${dataset}.${table.name}`} data-testid="catalog-table" data-table={table.name}>
            <details open={query.trim() !== ''}>
              <summary>
                <span className="catalog__table">{table.name}</span>{' '}
                <span className="catalog__rows">{t.rows(table.rowCount.toLocaleString())}</span>
              </summary>
              {table.description !== '' && <p className="catalog__description">{table.description}</p>}
              <table className="catalog__columns">
                <tbody>
                  {table.columns.map((c) => (
                    <tr key={c.name} data-column={c.name} {...(c.mark ? { 'data-mark': c.mark } : {})}>
                      <th scope="row">
                        {c.name}
                        {c.mark && (
                          <>
                            {' '}
                            <span className="catalog__mark" title={t.markWhy[c.mark]} data-testid="catalog-mark">
                              {t.mark[c.mark]}
                            </span>
                          </>
                        )}
                      </th>
                      <td className="catalog__type">{c.type}</td>
                      <td>{c.description}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </details>
          </li>
        ))}
      </ul>
    </aside>
  )
}
