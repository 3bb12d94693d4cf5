import type { CellOutput, TableOutput } from '../../api/types'
import { formatBytes, formatCount } from '../../i18n/format'
import { useLanguage, useStrings } from '../../i18n/language'
import { workspaceStrings } from '../strings'
import { isNumericType, plainText } from './output-text'

// A cell's outputs, drawn as text only: nothing is ever rendered as HTML, images only as PNG or
// JPEG data URLs. There is no download and no copy: the workspace blocks copying, dragging out
// and the context menu ("save image as") here.

export function CellOutputs({ outputs, cellNumber }: { outputs: CellOutput[]; cellNumber: string }) {
  const t = useStrings(workspaceStrings).notebook.output
  return (
    <div
      className="cell-output"
      role="group"
      aria-label={t.label(cellNumber)}
      onContextMenu={(e) => e.preventDefault()}
      data-testid="cell-output"
    >
      {outputs.map((output, i) => (
        <Output key={i} output={output} cellNumber={cellNumber} />
      ))}
    </div>
  )
}

function Output({ output, cellNumber }: { output: CellOutput; cellNumber: string }) {
  const strings = useStrings(workspaceStrings)
  const t = strings.notebook.output
  const { language } = useLanguage()
  switch (output.type) {
    case 'display-cut':
      return (
        <p className="notice notice--warn output-cut" role="note" data-testid="output-cut">
          {strings.display.cellCut(
            formatBytes(output.heldBackBytes, language),
            formatBytes(output.availableBytes, language),
            formatBytes(output.bytesPerMinute, language)
          )}
        </p>
      )
    case 'table':
      return <Table table={output} />
    case 'image':
      return (
        <img
          className="output-image"
          src={`data:${output.mime};base64,${output.data}`}
          alt={t.image(cellNumber)}
          draggable={false}
          data-testid="output-image"
        />
      )
    case 'stream':
      return <pre className={`output-stream output-stream--${output.name}`}>{plainText(output.text)}</pre>
    case 'text':
      return <pre className="output-text">{plainText(output.text)}</pre>
    case 'error':
      return (
        <div className="output-error" data-testid="output-error">
          <p className="output-error__title">
            <strong>{output.ename}</strong>
            {output.evalue !== '' && `: ${output.evalue}`}
          </p>
          {output.traceback !== undefined && output.traceback.length > 0 && (
            <pre className="output-error__traceback">{plainText(output.traceback.join('\n'))}</pre>
          )}
        </div>
      )
  }
}

function Table({ table }: { table: TableOutput }) {
  const t = useStrings(workspaceStrings).notebook.output
  const { language } = useLanguage()
  const numeric = table.columns.map((c) => isNumericType(c.type))
  const shown = table.rows.length
  return (
    <div className="output-table">
      <div className="output-table__scroll">
        <table className="output-table__table" data-testid="output-table">
          <thead>
            <tr>
              {table.columns.map((c, i) => (
                <th key={i} scope="col" className={numeric[i] ? 'output-table__number' : undefined}>
                  <span className="output-table__name">{c.name}</span>
                  <span className="output-table__type">{c.type}</span>
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {table.rows.map((row, r) => (
              <tr key={r}>
                {table.columns.map((c, i) => {
                  const value = row[i]
                  const right = typeof value === 'number' || (numeric[i] === true && typeof value === 'string')
                  const className = right ? 'output-table__number' : undefined
                  const text = <Value value={value} />
                  return c.index === true ? (
                    <th key={i} scope="row" className={className}>
                      {text}
                    </th>
                  ) : (
                    <td key={i} className={className}>
                      {text}
                    </td>
                  )
                })}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {table.truncated ? (
        <p className="output-table__count output-table__count--more" data-testid="rows-not-shown">
          {t.notShown(
            formatCount(shown, language),
            formatCount(table.rowCount, language),
            formatCount(Math.max(0, table.rowCount - shown), language)
          )}
        </p>
      ) : (
        <p className="output-table__count">{t.rows(formatCount(table.rowCount, language))}</p>
      )}
    </div>
  )
}

function Value({ value }: { value: unknown }) {
  if (value === null) return <span className="output-table__null">NULL</span>
  if (value === undefined) return null
  if (typeof value === 'object') return <>{JSON.stringify(value)}</>
  return <>{String(value)}</>
}
