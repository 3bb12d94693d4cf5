import { useStrings } from '../i18n/language'
import { appStrings } from './strings'

/** What shows while the session is checked, or a screen's code or data is on its way. */
export function LoadingScreen({ restoring = false }: { restoring?: boolean }) {
  const t = useStrings(appStrings)
  return (
    <main className="resuming" aria-busy="true">
      <p role="status">{restoring ? t.restoring : t.loadingScreen}</p>
    </main>
  )
}
