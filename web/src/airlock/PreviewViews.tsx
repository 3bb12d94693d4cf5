import { useEffect, useState } from 'react'
import type { ExportFileView, RuleResult } from '../api/types'
import { formatCount } from '../i18n/format'
import { useLanguage, useStrings } from '../i18n/language'
import { errorText } from '../workspace/workspace-files'
import { extension } from './airlock-format'
import { useRuleLabel } from './Badges'
import { airlockStrings } from './strings'
import type { ParsedTable } from './table-parse'

// What the previews of a file and of its excerpt share: loading, tables and text with what the
// checks flagged highlighted.

/** Lines of a text file shown at most. */
export const MAX_TEXT_LINES = 5000

export type Loaded<T> = { kind: 'loading' } | { kind: 'failed'; error: string } | { kind: 'ready'; value: T }

export function useLoaded<T>(work: () => Promise<T>, deps: readonly unknown[]): Loaded<T> {
  const [state, setState] = useState<Loaded<T>>({ kind: 'loading' })
  useEffect(() => {
    let current = true
    setState({ kind: 'loading' })
    work().then(
      (value) => current && setState({ kind: 'ready', value }),
      (err: unknown) => current && setState({ kind: 'failed', error: errorText(err) })
    )
    return () => {
      current = false
    }
    // the caller names what the work depends on
  }, deps)
  return state
}

export const decode = (bytes: Uint8Array) => new TextDecoder('utf-8').decode(bytes)

/** Which rules flagged what, for the highlighted cells, rows and columns. */
interface Flags {
  cells: Map<string, RuleResult[]>
  rows: Map<number, RuleResult[]>
  columns: Map<number, RuleResult[]>
}

function flagsOf(checks: readonly RuleResult[]): Flags {
  const flags: Flags = { cells: new Map(), rows: new Map(), columns: new Map() }
  const add = <K,>(map: Map<K, RuleResult[]>, key: K, r: RuleResult) => {
    const list = map.get(key)
    if (list === undefined) map.set(key, [r])
    else if (!list.includes(r)) list.push(r)
  }
  for (const r of checks) {
    if (r.outcome === 'pass') continue
    for (const c of r.cells ?? []) add(flags.cells, `${c.row}:${c.column}`, r)
    for (const row of r.rows ?? []) add(flags.rows, row, r)
    for (const column of r.columns ?? []) add(flags.columns, column, r)
  }
  return flags
}

function useFlagText(): (results: readonly RuleResult[]) => string {
  const s = useStrings(airlockStrings)
  const ruleLabel = useRuleLabel()
  return (results) =>
    s.preview.flagged(results.map((r) => `${ruleLabel(r.rule)} (${s.outcomes[r.outcome]})`).join('; '))
}

/**
 * A table as its reviewer reads it (the file's first rows, or its excerpt), with the cells, rows
 * and columns the checks flagged highlighted, and how many rows are not shown.
 */
export function TablePreview({ file, table }: { file: ExportFileView; table: ParsedTable }) {
  const t = useStrings(airlockStrings).preview
  const { language } = useLanguage()
  const flagText = useFlagText()
  const flags = flagsOf(file.checks)
  const width = Math.max(table.header.length, ...table.rows.map((r) => r.length))
  const columns = Array.from({ length: width }, (_, i) => i)
  const hiddenRows = table.totalRows - table.rows.length
  const hiddenFlags = [...flags.cells.keys()].filter(
    (k) => Number(k.slice(0, k.indexOf(':'))) >= table.rows.length
  ).length
  const flaggedShown = flags.cells.size - hiddenFlags

  return (
    <div className="preview-table">
      {flaggedShown > 0 && <p className="preview__legend">{t.legend}</p>}
      <div className="preview-table__scroll">
        <table className="preview-table__table" data-testid="preview-table">
          <caption className="visually-hidden">{t.tableCaption(file.name)}</caption>
          <thead>
            <tr>
              <th scope="col" className="preview-table__rownum">
                <span aria-hidden="true">#</span>
                <span className="visually-hidden">{t.rowNumber}</span>
              </th>
              {columns.map((c) => {
                const flagged = flags.columns.get(c)
                return (
                  <th
                    key={c}
                    scope="col"
                    className={flagged ? 'preview-table__col--flagged' : undefined}
                    title={flagged ? flagText(flagged) : undefined}
                    aria-description={flagged ? flagText(flagged) : undefined}
                    data-testid={flagged ? 'preview-column-flagged' : undefined}
                  >
                    {table.header[c] ?? ''}
                  </th>
                )
              })}
            </tr>
          </thead>
          <tbody>
            {table.rows.map((row, r) => {
              const rowFlags = flags.rows.get(r)
              return (
                <tr key={r} className={rowFlags ? 'preview-table__row--flagged' : undefined}>
                  <th
                    scope="row"
                    className="preview-table__rownum"
                    title={rowFlags ? flagText(rowFlags) : undefined}
                    aria-description={rowFlags ? flagText(rowFlags) : undefined}
                  >
                    {r + 1}
                  </th>
                  {columns.map((c) => {
                    const cellFlags = flags.cells.get(`${r}:${c}`)
                    if (cellFlags === undefined) {
                      return (
                        <td key={c} className={flags.columns.has(c) ? 'preview-table__cell--column' : undefined}>
                          {row[c] ?? ''}
                        </td>
                      )
                    }
                    const text = flagText(cellFlags)
                    return (
                      <td
                        key={c}
                        className={`preview-table__cell--flagged preview-table__cell--${worstOf(cellFlags)}`}
                        tabIndex={0}
                        title={text}
                        aria-description={text}
                        data-testid="preview-cell-flagged"
                        data-row={r}
                        data-column={c}
                        data-rules={cellFlags.map((x) => x.rule).join(' ')}
                      >
                        {row[c] ?? ''}
                      </td>
                    )
                  })}
                </tr>
              )
            })}
          </tbody>
        </table>
      </div>
      {hiddenRows > 0 ? (
        <p className="preview__count preview__count--more" data-testid="preview-rows-not-shown">
          {t.rowsNotShown(
            formatCount(table.rows.length, language),
            formatCount(table.totalRows, language),
            formatCount(hiddenRows, language)
          )}
        </p>
      ) : (
        <p className="preview__count">{t.rows(formatCount(table.totalRows, language))}</p>
      )}
      {hiddenFlags > 0 && (
        <p className="preview__count preview__count--more">{t.flaggedHidden(formatCount(hiddenFlags, language))}</p>
      )}
    </div>
  )
}

function worstOf(results: readonly RuleResult[]): 'fail' | 'review' {
  return results.some((r) => r.outcome === 'fail') ? 'fail' : 'review'
}

/**
 * Plain text, never rendered as HTML or markdown; lines the checks named (TXT, MD) highlighted.
 * `lines` are the file's (numbered as the checks number them), or its excerpt's first ones of `total`.
 */
export function TextPreview({
  file,
  lines,
  total = lines.length
}: {
  file: ExportFileView
  lines: readonly string[]
  total?: number
}) {
  const t = useStrings(airlockStrings).preview
  const { language } = useLanguage()
  const flagText = useFlagText()
  // a JSON output's rows are records of its table, not lines
  const flags = extension(file.name) === 'json' ? new Map<number, RuleResult[]>() : flagsOf(file.checks).rows
  const shown = lines.slice(0, MAX_TEXT_LINES)
  return (
    <div className="preview-text">
      <pre className="preview-text__body" data-testid="preview-text">
        {shown.map((line, i) => {
          const flagged = flags.get(i)
          return (
            <span
              key={i}
              className={flagged ? 'preview-text__line preview-text__line--flagged' : 'preview-text__line'}
              title={flagged ? flagText(flagged) : undefined}
              aria-description={flagged ? flagText(flagged) : undefined}
              data-testid={flagged ? 'preview-line-flagged' : undefined}
            >
              {line}
              {'\n'}
            </span>
          )
        })}
      </pre>
      {total > shown.length && (
        <p className="preview__count preview__count--more" data-testid="preview-lines-not-shown">
          {t.linesNotShown(formatCount(total - shown.length, language))}
        </p>
      )}
    </div>
  )
}
