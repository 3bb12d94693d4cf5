import type { AirlockDirection, AirlockFileState, CheckOutcome, ExportState, RuleResult } from '../api/types'
import { useStrings } from '../i18n/language'
import { FILE_STATE_BADGE, OUTCOME_BADGE, sortChecks, STATE_BADGE } from './airlock-format'
import { airlockStrings, stateName, type AirlockStrings } from './strings'

export function StateBadge({ state, direction }: { state: ExportState; direction?: AirlockDirection }) {
  const t = useStrings(airlockStrings)
  return (
    <span className={`badge badge--${STATE_BADGE[state]}`} data-state={state} data-testid="request-state">
      {stateName(t, state, direction)}
    </span>
  )
}

/** Where one file stands: pending while votes gather, then approved, returned, rejected or conflicted; released. */
export function FileStateBadge({ state }: { state: AirlockFileState }) {
  const t = useStrings(airlockStrings)
  return (
    <span className={`badge badge--${FILE_STATE_BADGE[state]}`} data-state={state} data-testid="file-state">
      {t.fileStates[state]}
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

interface CheckView {
  /**
   * the requester's own export: each check's fixed sentence for its rule and outcome, localized,
   * and where it found something (the gateway sends them no message that quotes the file)
   */
  own?: boolean
  /** the file is text: rows are its lines */
  lines?: boolean
}

/**
 * Each rule's outcome and message for one file, failing ones first; the passes folded under one line.
 * Reviewers read the checker's messages, in English; the requester reads `own` sentences.
 */
export function CheckResults({ checks, own = false, lines = false }: { checks: readonly RuleResult[] } & CheckView) {
  const t = useStrings(airlockStrings).checks
  if (checks.length === 0) return <p className="checks__none">{t.none}</p>
  const sorted = sortChecks(checks)
  const flagged = sorted.filter((c) => c.outcome !== 'pass')
  const passed = sorted.filter((c) => c.outcome === 'pass')
  return (
    <div className="checks" role="group" aria-label={t.label}>
      {own && flagged.length > 0 && <p className="checks__note">{t.ownNote}</p>}
      {flagged.length > 0 && (
        <ul className="checks__list">
          {flagged.map((c, i) => (
            <CheckItem key={`${c.rule}-${i}`} check={c} own={own} lines={lines} />
          ))}
        </ul>
      )}
      {passed.length > 0 && (
        <details className="checks__passed" open={flagged.length === 0 && passed.length <= 3}>
          <summary>{t.passed(passed.length)}</summary>
          <ul className="checks__list">
            {passed.map((c, i) => (
              <CheckItem key={`${c.rule}-${i}`} check={c} own={own} lines={lines} />
            ))}
          </ul>
        </details>
      )}
    </div>
  )
}

const PLACES_SHOWN = 3

/** Where a check found something, as people count (from 1): its cells, else its rows, else its columns. */
function wherePlaces(check: RuleResult, lines: boolean, t: AirlockStrings['checks']): string | null {
  const rows = check.rows ?? []
  const columns = check.columns ?? []
  const [places, total] =
    check.cells.length > 0
      ? [check.cells.map((c) => t.cell(c.row + 1, c.column + 1)), check.flagged?.cells ?? check.cells.length]
      : rows.length > 0
        ? [rows.map((r) => (lines ? t.line(r + 1) : t.row(r + 1))), check.flagged?.rows ?? rows.length]
        : [columns.map((c) => t.column(c + 1)), check.flagged?.columns ?? columns.length]
  if (places.length === 0) return null
  const shown = places.slice(0, PLACES_SHOWN)
  return t.where(shown, total - shown.length)
}

function CheckItem({ check, own, lines }: { check: RuleResult } & CheckView) {
  const ruleLabel = useRuleLabel()
  const t = useStrings(airlockStrings).checks
  const sentences = t.own as Record<string, Record<string, string> | undefined>
  const where = own && check.outcome !== 'pass' ? wherePlaces(check, lines ?? false, t) : null
  return (
    <li
      className={`checks__item checks__item--${check.outcome}`}
      data-testid="check-result"
      data-rule={check.rule}
      data-outcome={check.outcome}
    >
      <OutcomeBadge outcome={check.outcome} />
      <span className="checks__rule">{ruleLabel(check.rule)}</span>
      {own ? (
        <span className="checks__message">
          {sentences[check.rule]?.[check.outcome] ?? t.ownUnknown}
          {where !== null && (
            <>
              {' '}
              <span className="checks__where" data-testid="check-where">
                {where}
              </span>
            </>
          )}
        </span>
      ) : (
        <span className="checks__message" lang="en">
          {check.message}
        </span>
      )}
    </li>
  )
}
