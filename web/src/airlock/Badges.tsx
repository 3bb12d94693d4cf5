import type { AirlockDirection, CheckOutcome, ExportState, RuleResult } from '../api/types'
import { useStrings } from '../i18n/language'
import { OUTCOME_BADGE, sortChecks, STATE_BADGE } from './airlock-format'
import { airlockStrings, stateName } from './strings'

export function StateBadge({ state, direction }: { state: ExportState; direction?: AirlockDirection }) {
  const t = useStrings(airlockStrings)
  return (
    <span className={`badge badge--${STATE_BADGE[state]}`} data-state={state} data-testid="request-state">
      {stateName(t, state, direction)}
    </span>
  )
}

export function DirectionBadge({ direction }: { direction: AirlockDirection }) {
  const t = useStrings(airlockStrings)
  return (
    <span className={`direction direction--${direction}`} data-direction={direction}>
      <span aria-hidden="true">{direction === 'export' ? '↑ ' : '↓ '}</span>
      {t.directions[direction]}
    </span>
  )
}

export function OutcomeBadge({ outcome, testId }: { outcome: CheckOutcome; testId?: string }) {
  const t = useStrings(airlockStrings)
  return (
    <span className={`badge badge--${OUTCOME_BADGE[outcome]}`} data-outcome={outcome} data-testid={testId}>
      {t.outcomes[outcome]}
    </span>
  )
}

/** A rule's name as people read it; the checker's own name for a rule this build does not know. */
export function useRuleLabel(): (rule: string) => string {
  const t = useStrings(airlockStrings)
  return (rule) => (rule in t.rules ? t.rules[rule as keyof typeof t.rules] : rule)
}

/**
 * Each rule's outcome and message for one file, failing ones first; the passes folded under one line.
 * The messages are the checker's, in English.
 */
export function CheckResults({ checks }: { checks: readonly RuleResult[] }) {
  const t = useStrings(airlockStrings).checks
  if (checks.length === 0) return <p className="checks__none">{t.none}</p>
  const sorted = sortChecks(checks)
  const flagged = sorted.filter((c) => c.outcome !== 'pass')
  const passed = sorted.filter((c) => c.outcome === 'pass')
  return (
    <div className="checks" role="group" aria-label={t.label}>
      {flagged.length > 0 && (
        <ul className="checks__list">
          {flagged.map((c, i) => (
            <CheckItem key={`${c.rule}-${i}`} check={c} />
          ))}
        </ul>
      )}
      {passed.length > 0 && (
        <details className="checks__passed" open={flagged.length === 0 && passed.length <= 3}>
          <summary>{t.passed(passed.length)}</summary>
          <ul className="checks__list">
            {passed.map((c, i) => (
              <CheckItem key={`${c.rule}-${i}`} check={c} />
            ))}
          </ul>
        </details>
      )}
    </div>
  )
}

function CheckItem({ check }: { check: RuleResult }) {
  const ruleLabel = useRuleLabel()
  return (
    <li
      className={`checks__item checks__item--${check.outcome}`}
      data-testid="check-result"
      data-rule={check.rule}
      data-outcome={check.outcome}
    >
      <OutcomeBadge outcome={check.outcome} />
      <span className="checks__rule">{ruleLabel(check.rule)}</span>
      <span className="checks__message" lang="en">
        {check.message}
      </span>
    </li>
  )
}
