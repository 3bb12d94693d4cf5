import type { AirlockParams } from './params.js'
import type { Table } from './table.js'
import type { Evidence, RuleResult } from './types.js'
import { columnNames, count, examples, quote, result } from './wording.js'

/**
 * Residual degrees of freedom: a model fitted with few observations more than parameters comes
 * close to reproducing its data, so its estimates can disclose individual values. Fails when a
 * model's residual df is below `minResidualDf`.
 *
 * The df comes from the evidence when the system knows it, and from text output where a model
 * summary prints it (statsmodels `Df Residuals:`, R's `on N degrees of freedom` after `Residual
 * standard error` or `Residual deviance`). Output that looks like a model's estimates without any
 * df asks for review.
 */
export function residualDfRule(table: Table, evidence: Evidence, params: AirlockParams): RuleResult {
  if (evidence.residualDf !== undefined) return fromEvidence(evidence.residualDf, params)
  const printed = printedDf(table)
  if (printed !== null) return fromPrinted(printed.df, printed.column, params)
  const estimates = table.columns.filter((c) => MODEL_COLUMN.test(c.name.trim()))
  if (estimates.length >= 2) {
    return result(
      'residual-df',
      'review',
      `The table looks like a model's estimates (${columnNames(estimates)}), and its residual degrees of freedom were not recorded: ask for them (they must be at least ${params.minResidualDf}).`,
      { columns: estimates.map((c) => c.index) }
    )
  }
  return result(
    'residual-df',
    'pass',
    'Nothing to check: no column looks like a model\'s estimates (coefficient, standard error, p-value), and no model was recorded.'
  )
}

// broom::glance() prints `df.residual`; statsmodels-derived tables `df_resid`
const DF_COLUMN = /^(df[._ ]?resid(ual)?s?|residual[._ ]?df|df residuals)$/i

/** The smallest residual df a table prints in a column named for it (broom::glance, one row per model). */
function printedDf(table: Table): { df: number; column: string } | null {
  const c = table.columns.find((c) => c.kind === 'numeric' && DF_COLUMN.test(c.name.trim()))
  if (c === undefined) return null
  const values = c.values!.filter((v): v is number => v !== null)
  return values.length === 0 ? null : { df: Math.min(...values), column: c.name }
}

function fromPrinted(df: number, column: string, params: AirlockParams): RuleResult {
  const t = params.minResidualDf
  return df < t
    ? result(
        'residual-df',
        'fail',
        `The table prints ${df} residual degrees of freedom in "${quote(column)}", fewer than ${t}: a model this close to its data can reveal individual values.`
      )
    : result(
        'residual-df',
        'review',
        `The table prints ${df} or more residual degrees of freedom in "${quote(column)}" (at least ${t}), but a printed number is not proof: check it against the model's number of observations and parameters.`
      )
}

/** The same rule over text output: model summaries printed by statsmodels or R. */
export function residualDfTextRule(text: string, evidence: Evidence, params: AirlockParams): RuleResult {
  const found: { line: number; df: number }[] = []
  const lines = text.split(/\r?\n/)
  lines.forEach((line, i) => {
    for (const pattern of DF_LINES) {
      const m = pattern.exec(line)
      if (m) {
        found.push({ line: i, df: Number(m[1]) })
        break
      }
    }
  })
  const t = params.minResidualDf
  const low = found.filter((f) => f.df < t)
  const evidenceLow = evidence.residualDf !== undefined && evidence.residualDf < t
  if (low.length > 0 || evidenceLow) {
    const parts: string[] = []
    if (low.length > 0) {
      parts.push(
        `${count(low.length, 'model reports', 'models report')} fewer than ${t} residual degrees of freedom: ${examples(low, (f) => `line ${f.line + 1} gives ${f.df}`)}.`
      )
    }
    if (evidenceLow)
      parts.push(`The recorded model has ${evidence.residualDf} residual degrees of freedom, fewer than ${t}.`)
    parts.push('A model this close to its data can reveal individual values.')
    return result('residual-df', 'fail', parts.join(' '), { rows: low.map((f) => f.line) })
  }
  if (found.length > 0 || evidence.residualDf !== undefined) {
    const n = found.length + (evidence.residualDf !== undefined ? 1 : 0)
    return result(
      'residual-df',
      'review',
      `${count(n, 'model reports', 'models report')} ${t} or more residual degrees of freedom, but printed or reported numbers are not proof: check them against each model's number of observations and parameters.`,
      { rows: found.map((f) => f.line) }
    )
  }
  const model = lines.findIndex((line) => MODEL_TEXT.test(line))
  if (model !== -1) {
    return result(
      'residual-df',
      'review',
      `Line ${model + 1} looks like a model's estimates, but no residual degrees of freedom were found or recorded: ask for them (they must be at least ${t}).`,
      { rows: [model] }
    )
  }
  return result('residual-df', 'pass', 'Nothing to check: no model output was found in the text.')
}

function fromEvidence(df: number, params: AirlockParams): RuleResult {
  const t = params.minResidualDf
  return df < t
    ? result(
        'residual-df',
        'fail',
        `The recorded model has ${df} residual degrees of freedom, fewer than ${t}: a model this close to its data can reveal individual values.`
      )
    : // the model was fitted in the researcher's own kernel: its df is reported there, not recomputed
      result(
        'residual-df',
        'review',
        `The model's export reports ${df} residual degrees of freedom (at least ${t}), but the model was fitted in the researcher's own kernel and the gateway cannot recompute them: check that the number of observations behind the model, less its parameters, is at least ${t}.`
      )
}

const DF_LINES = [
  /\bDf Residuals:\s*(\d+)/, // statsmodels summary()
  /\bResidual standard error:.*\bon (\d+) degrees of freedom/, // R summary.lm
  /\bResidual deviance:.*\bon (\d+)\s+degrees of freedom/, // R summary.glm
  /\bresidual (?:df|degrees of freedom)\s*[:=]\s*(\d+)/i,
  /\bF-statistic:.*\bon \d+ and (\d+) DF\b/, // R summary.lm, when the residual standard error line is cut
  /\bdf[._]resid(?:ual)?\s*[:=]?\s*(\d+)\b/i // statsmodels results.df_resid, broom::glance printed
]

// Column headers of coefficient tables from statsmodels, R (broom too) and the like.
const MODEL_COLUMN =
  /^(coef\.?|coefficient|estimate|std\.? ?err(or)?\.?|se|t|z|t value|z value|statistic|p>\|[tz]\||pr\(>\|[tz]\|\)|p[-_. ]?value|\[0\.025|0\.975\]|conf\.(low|high)|odds ratio|hazard ratio)$/i
const MODEL_TEXT = /\bCoefficients:|\bStd\. Error\b|\bstd err\b|\bcoef\b/
