import type { EnrolmentHalf } from '../../api/types'
import { formatDateTime } from '../../i18n/format'
import { useLanguage, useStrings } from '../../i18n/language'
import { Credentials } from '../people/Confirm'
import { approvalStrings } from './strings'

/**
 * One part of a reviewer's or administrator's enrolment link, shown once to the administrator it
 * is for: part 1 to the one who asked (when they ask), part 2 to the one who approved. Each sends
 * theirs to the person on their own; neither alone opens the link.
 */
export function LinkHalf({ half, onClose }: { half: EnrolmentHalf; onClose(): void }) {
  const t = useStrings(approvalStrings)
  const { language } = useLanguage()
  return (
    <div data-testid={`link-half-${half.part}`}>
      <Credentials
        heading={t.halfHeading(half.part, half.username)}
        intro={
          half.part === 1 || half.expiresAt === null
            ? t.halfIntroAsker
            : t.halfIntroApprover(formatDateTime(half.expiresAt, language))
        }
        rows={[
          [t.halfLabel(half.part), half.half],
          [t.halfPage, half.page]
        ]}
        closeLabel={t.close}
        onClose={onClose}
      />
    </div>
  )
}
