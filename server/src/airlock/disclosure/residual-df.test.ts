import { describe, expect, it } from 'vitest'
import { resolveAirlockParams } from './params.js'
import { residualDfRule, residualDfTextRule } from './residual-df.js'
import { parseTable } from './table.js'

const csv = (text: string) => parseTable(Buffer.from(text), { format: 'csv' })
const params = resolveAirlockParams({ preset: 'acro-default' })

const statsmodels = (df: number) => `                            OLS Regression Results
==============================================================================
Dep. Variable:                      y   R-squared:                       0.912
Model:                            OLS   Adj. R-squared:                  0.890
No. Observations:                  ${df + 3}   F-statistic:                     41.3
Df Residuals:                       ${df}   BIC:                             12.1
Df Model:                           2
==============================================================================
                 coef    std err          t      P>|t|      [0.025      0.975]
------------------------------------------------------------------------------
const          1.2000      0.300      4.000      0.004       0.500       1.900
`

const rLm = (df: number) => `Coefficients:
            Estimate Std. Error t value Pr(>|t|)
(Intercept)   1.2000     0.3000   4.000  0.00400 **
x             0.5000     0.1000   5.000  0.00100 **

Residual standard error: 0.4 on ${df} degrees of freedom
Multiple R-squared:  0.91,	Adjusted R-squared:  0.89
`

describe('residual degrees of freedom', () => {
  it('fails a statsmodels summary with fewer residual df than the minimum, naming the line', () => {
    const r = residualDfTextRule(statsmodels(7), {}, params)
    expect(r.outcome).toBe('fail')
    expect(r.rows).toEqual([5])
    expect(r.message).toContain('line 6 gives 7')
    // enough df, but printed by the researcher's code: a claim for the reviewer to check, not proof
    const enough = residualDfTextRule(statsmodels(10), {}, params)
    expect(enough.outcome).toBe('review')
    expect(enough.message).toMatch(/not proof/)
  })

  it("reads R's residual standard error and residual deviance lines", () => {
    expect(residualDfTextRule(rLm(4), {}, params).rows).toEqual([5])
    expect(residualDfTextRule(rLm(40), {}, params).outcome).toBe('review')
    const glm = '    Null deviance: 30.1  on 9  degrees of freedom\nResidual deviance: 12.3  on 7  degrees of freedom\n'
    const r = residualDfTextRule(glm, {}, params)
    expect(r.outcome).toBe('fail')
    expect(r.rows).toEqual([1])
  })

  it('follows minResidualDf from the policy', () => {
    const loose = resolveAirlockParams({ preset: 'acro-default', minResidualDf: 5 })
    expect(residualDfTextRule(statsmodels(7), {}, loose).outcome).toBe('review')
  })

  it('asks for review of model output that prints no residual df', () => {
    const r = residualDfTextRule(rLm(40).split('\n').slice(0, 4).join('\n'), {}, params)
    expect(r.outcome).toBe('review')
    expect(r.rows).toEqual([0])
  })

  it('has nothing to check in text without a model, and says so', () => {
    const r = residualDfTextRule('Mean age was 54 years.\n', {}, params)
    expect(r.outcome).toBe('pass')
    expect(r.message).toMatch(/^Nothing to check: no model output/)
  })

  it('uses recorded residual df for a table, and reviews a coefficient table without them', () => {
    const coefs = csv('term,coef,std err,P>|t|\nconst,1.2,0.3,0.004\nx,0.5,0.1,0.001\n')
    const review = residualDfRule(coefs, {}, params)
    expect(review.outcome).toBe('review')
    expect(review.columns).toEqual([1, 2, 3])
    expect(residualDfRule(coefs, { residualDf: 3 }, params).outcome).toBe('fail')
    const reported = residualDfRule(coefs, { residualDf: 30 }, params)
    expect(reported.outcome).toBe('review')
    expect(reported.message).toMatch(/fitted in the researcher's own kernel/)
    expect(residualDfRule(csv('region,n\nA,12\n'), {}, params).outcome).toBe('pass')
  })

  it('fails text whose recorded model has too few residual df even if none is printed', () => {
    expect(residualDfTextRule('Mean age was 54 years.\n', { residualDf: 2 }, params).outcome).toBe('fail')
  })
})

describe('residual df printed by broom and in R F-statistic lines', () => {
  it("reads broom::glance's df.residual column, and R's F-statistic line when the residual line is cut", () => {
    const glance = csv('r.squared,sigma,statistic,p.value,df,df.residual,nobs\n0.15,0.9,0.46,0.66,2,5,8\n')
    const r = residualDfRule(glance, {}, params)
    expect(r.outcome).toBe('fail')
    expect(r.message).toMatch(/prints 5 residual degrees of freedom in "df.residual"/)
    const text = residualDfTextRule('F-statistic: 0.4598 on 2 and 5 DF,  p-value: 0.656\n', {}, params)
    expect(text.outcome).toBe('fail')
  })
})
