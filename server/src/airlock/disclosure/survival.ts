import type { Table } from './table.js'
import type { CellRef } from './types.js'

/**
 * A survival table (statsmodels SurvfuncRight.summary(), R summary(survfit)) prints the number at
 * risk at each time. The drop from one row to the next is the people who had the event or were
 * censored in between: a drop of 1 to threshold - 1 tells of so few people, whatever each printed
 * count says. ACRO suppresses the same rows.
 */
const AT_RISK = /^(num(ber)?[ ._]at[ ._]risk|n[ ._]?risk|at[ ._]risk)$/i

export interface RiskDrop {
  cell: CellRef
  /** people who left the risk set since the row before */
  drop: number
}

export function riskSetDrops(table: Table, threshold: number): RiskDrop[] {
  const atRisk = table.columns.find((c) => c.kind === 'numeric' && AT_RISK.test(c.name.trim()))
  if (atRisk === undefined) return []
  const drops: RiskDrop[] = []
  let before: number | null = null
  atRisk.values!.forEach((v, r) => {
    if (v === null) return
    if (before !== null) {
      const drop = before - v
      if (drop > 0 && drop < threshold) drops.push({ cell: { row: r, column: atRisk.index }, drop })
    }
    before = v
  })
  return drops
}
