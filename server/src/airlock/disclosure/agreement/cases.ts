/**
 * Agreement with ACRO (AI-SDC/ACRO, acro/acro_tables.py): our own tables, each with what ACRO's
 * rules give for it (threshold: fewer than 10 records; nk: top 2 over 90% of a total; p-ratio:
 * rest under 10% of the largest, or a total of 0 or one value when zeros are disclosive; any
 * negative value: the whole table to review; residual df under 10: fail) and what we give. Where
 * we differ on purpose, `differs` says why. Tables come as the CSV pandas writes, wide (a crosstab)
 * and long (a GROUP BY); the pair gets the same verdict.
 */
import type { Evidence, Outcome, RuleName } from '../types.js'

export interface AgreementCase {
  name: string
  csv: string
  evidence?: Evidence
  preset: 'acro-default' | 'ndb-japan'
  /** ACRO's status for the same table, from its rules */
  acro: Outcome
  /** our outcome for each rule ACRO also has */
  ours: Partial<Record<RuleName, Outcome>>
  /** why we differ from ACRO, where we do */
  differs?: string
}

const sums = (cells: [number, number, number[], number, number][]) =>
  cells.map(([row, column, top, total, individuals]) => ({ row, column, top, total, min: 1, individuals }))

// A sum of costs by region and sex: North F is dominated (one unit holds 95%).
const DOMINATED_WIDE = 'region,F,M\nNorth,30090,100000\nSouth,25075,31093\n'
const DOMINATED_LONG = 'region,sex,cost\nNorth,F,30090\nNorth,M,100000\nSouth,F,25075\nSouth,M,31093\n'
const dominated = [
  [28586, 800],
  [9000, 8000],
  [4000, 3000],
  [5000, 4000]
]
const totals = [30090, 100000, 25075, 31093]

export const CASES: AgreementCase[] = [
  {
    name: 'frequency crosstab with a cell under 10 (wide)',
    csv: 'region,F,M\nNorth,12,4\nSouth,30,25\n',
    evidence: { declaredRoles: { region: 'key', F: 'count', M: 'count' } },
    preset: 'acro-default',
    acro: 'fail',
    ours: { threshold: 'fail', zeros: 'pass', dominance: 'pass', 'p-percent': 'pass' }
  },
  {
    name: 'frequency crosstab with a cell under 10 (long)',
    csv: 'region,sex,n\nNorth,F,12\nNorth,M,4\nSouth,F,30\nSouth,M,25\n',
    evidence: { declaredRoles: { region: 'key', sex: 'key', n: 'count' } },
    preset: 'acro-default',
    acro: 'fail',
    ours: { threshold: 'fail', zeros: 'pass', dominance: 'pass', 'p-percent': 'pass' }
  },
  {
    name: 'frequency crosstab, every cell 10 or more, counts declared (wide)',
    csv: 'region,F,M\nNorth,12,14\nSouth,30,25\n',
    evidence: { declaredRoles: { F: 'count', M: 'count' } },
    preset: 'acro-default',
    acro: 'pass',
    ours: { threshold: 'pass', zeros: 'pass', dominance: 'pass', 'p-percent': 'pass' }
  },
  {
    name: 'frequency crosstab, every cell 10 or more, counts declared (long)',
    csv: 'region,sex,n\nNorth,F,12\nNorth,M,14\nSouth,F,30\nSouth,M,25\n',
    evidence: { declaredRoles: { region: 'key', sex: 'key', n: 'count' } },
    preset: 'acro-default',
    acro: 'pass',
    ours: { threshold: 'pass', zeros: 'pass', dominance: 'pass', 'p-percent': 'pass' }
  },
  {
    name: 'the same crosstab with nothing declared',
    csv: 'region,F,M\nNorth,12,14\nSouth,30,25\n',
    preset: 'acro-default',
    acro: 'pass',
    ours: { threshold: 'review', dominance: 'review', 'p-percent': 'review' },
    differs:
      'ACRO knows what it computed; from a CSV alone a crosstab of sums or means looks like one of counts, so whole numbers nothing declares go to review.'
  },
  {
    name: 'a zero count under acro-default',
    csv: 'region,sex,n\nNorth,F,12\nNorth,M,0\nSouth,F,30\nSouth,M,25\n',
    preset: 'acro-default',
    acro: 'fail',
    ours: { threshold: 'pass', zeros: 'fail' }
  },
  {
    name: 'a zero count under ndb-japan',
    csv: 'region,sex,n\nNorth,F,12\nNorth,M,0\nSouth,F,30\nSouth,M,25\n',
    preset: 'ndb-japan',
    acro: 'fail',
    ours: { threshold: 'pass', zeros: 'pass' },
    differs: 'The NDB publication rules bar counts of 1 to 9, not 0; the ndb-japan preset allows zeros.'
  },
  {
    name: 'n,k dominance: one unit holds 95% of a sum (wide)',
    csv: DOMINATED_WIDE,
    evidence: {
      declaredRoles: { F: 'sum', M: 'sum' },
      contributions: sums(dominated.map((top, i) => [Math.floor(i / 2), 1 + (i % 2), top, totals[i]!, 30]))
    },
    preset: 'acro-default',
    acro: 'fail',
    ours: { threshold: 'pass', dominance: 'fail', 'p-percent': 'fail' }
  },
  {
    name: 'n,k dominance: one unit holds 95% of a sum (long)',
    csv: DOMINATED_LONG,
    evidence: {
      declaredRoles: { region: 'key', sex: 'key', cost: 'sum' },
      contributions: sums(dominated.map((top, i) => [i, 2, top, totals[i]!, 30]))
    },
    preset: 'acro-default',
    acro: 'fail',
    ours: { threshold: 'pass', dominance: 'fail', 'p-percent': 'fail' }
  },
  {
    name: 'n,k fails where p-percent passes: the top two hold 95%, the rest is exactly 10% of the largest',
    csv: 'region,cost\nNorth,100\n',
    evidence: { declaredRoles: { cost: 'sum' }, contributions: sums([[0, 1, [50, 45], 100, 12]]) },
    preset: 'acro-default',
    acro: 'fail',
    ours: { dominance: 'fail', 'p-percent': 'pass' }
  },
  {
    name: 'the top two hold exactly 90%',
    csv: 'region,cost\nNorth,100\n',
    evidence: { declaredRoles: { cost: 'sum' }, contributions: sums([[0, 1, [60, 30], 100, 12]]) },
    preset: 'acro-default',
    acro: 'pass',
    ours: { dominance: 'fail', 'p-percent': 'pass' },
    differs: 'ACRO fails a share above k; DISCLOSURE.md states the rule as "at least k", so exactly 90% fails here.'
  },
  {
    name: 'a negative contribution',
    csv: 'region,balance\nNorth,100\n',
    evidence: {
      declaredRoles: { balance: 'sum' },
      contributions: [{ row: 0, column: 1, top: [90, 40], total: 100, min: -30, individuals: 12 }]
    },
    preset: 'acro-default',
    acro: 'review',
    ours: { dominance: 'review', 'p-percent': 'review' }
  },
  {
    name: 'an all-zero sum',
    csv: 'region,cost\nNorth,0\n',
    evidence: { declaredRoles: { cost: 'sum' }, contributions: sums([[0, 1, [0, 0], 0, 12]]) },
    preset: 'acro-default',
    acro: 'fail',
    ours: { dominance: 'review', 'p-percent': 'fail' }
  },
  {
    name: 'a mean of one person (wide)',
    csv: 'region,F,M\nNorth,1003,123456\nSouth,1003,1003\n',
    evidence: {
      declaredRoles: { F: 'mean', M: 'mean' },
      contributions: sums([
        [0, 1, [1003], 1003, 1],
        [0, 2, [40000, 30000], 3703680, 30],
        [1, 1, [900, 800], 40120, 40],
        [1, 2, [900, 800], 40120, 40]
      ])
    },
    preset: 'acro-default',
    acro: 'fail',
    ours: { threshold: 'fail', dominance: 'fail', 'p-percent': 'fail' }
  },
  {
    name: 'a mean of one person (long)',
    csv: 'region,sex,mean_cost\nNorth,F,1003\nNorth,M,123456\nSouth,F,1003\nSouth,M,1003\n',
    evidence: {
      declaredRoles: { mean_cost: 'mean' },
      contributions: sums([
        [0, 2, [1003], 1003, 1],
        [1, 2, [40000, 30000], 3703680, 30],
        [2, 2, [900, 800], 40120, 40],
        [3, 2, [900, 800], 40120, 40]
      ])
    },
    preset: 'acro-default',
    acro: 'fail',
    ours: { threshold: 'fail', dominance: 'fail', 'p-percent': 'fail' }
  },
  {
    name: 'a survival table whose risk set drops by fewer than 10',
    csv: 'Time,Surv prob,Surv prob SE,num at risk,num events\n1,0.98,0.01,200,4\n2,0.95,0.02,196,12\n3,0.90,0.02,180,10\n',
    preset: 'acro-default',
    acro: 'fail',
    ours: { threshold: 'fail' }
  },
  {
    name: 'regression coefficients with 5 residual degrees of freedom',
    csv: 'term,coef,std err,P>|t|\nconst,-0.40,0.33,0.28\nx1,0.41,0.62,0.54\n',
    evidence: { residualDf: 5 },
    preset: 'acro-default',
    acro: 'fail',
    ours: { 'residual-df': 'fail' }
  },
  {
    name: 'regression coefficients with 40 residual degrees of freedom',
    csv: 'term,coef,std err,P>|t|\nconst,-0.40,0.33,0.28\nx1,0.41,0.62,0.54\n',
    evidence: { residualDf: 40 },
    preset: 'acro-default',
    acro: 'pass',
    ours: { 'residual-df': 'review' },
    differs:
      "ACRO fits the model itself; here it is fitted in the researcher's own kernel, so its residual df is reported, not recomputed: a reviewer checks it."
  },
  {
    name: 'a count table whose column is only named "n", nothing declared',
    csv: 'region,n\nNorth,1003\nSouth,123456\n',
    preset: 'acro-default',
    acro: 'pass',
    ours: { threshold: 'pass', dominance: 'review', 'p-percent': 'review' },
    differs:
      'ACRO knows it computed a count; from a file alone a column named "n" may hold a sum or a mean (here one person\'s), so dominance and p-percent cannot be decided.'
  },
  {
    name: 'percentages of a row: 25% of 12 and 2.5% of 40',
    csv: 'group,n,pct\nA,12,25.0\nB,40,2.5\n',
    preset: 'acro-default',
    acro: 'fail',
    ours: { threshold: 'fail' }
  },
  {
    name: '40 claims made by 3 people',
    csv: 'region,n_claims\nNorth,40\nSouth,25\n',
    evidence: { individualsPerRow: [3, 25] },
    preset: 'acro-default',
    acro: 'pass',
    ours: { threshold: 'fail' },
    differs: 'ACRO counts records; we count the distinct people behind each row, recounted from the recorded query.'
  },
  {
    name: 'a maximum',
    csv: 'region,n,max_cost\nNorth,20,5000\nSouth,30,7000\n',
    preset: 'acro-default',
    acro: 'fail',
    ours: { threshold: 'pass', dominance: 'review', 'p-percent': 'review' },
    differs: 'ACRO refuses max and min as aggregation functions; we send a maximum to review, since it is one person\'s value.'
  }
]
