import { useStrings } from '../../i18n/language'
import { workspaceStrings } from '../strings'

interface Props {
  path: string
  ready: boolean
  dirty: boolean
  saving: boolean
  onSave(): void
  onClose(): void
}

/** The notebook's sticky bar: its path, saved or not, Save and Close. */
export function NotebookHeader({ path, ready, dirty, saving, onSave, onClose }: Props) {
  const t = useStrings(workspaceStrings).notebook
  return (
    <div className="toolbar toolbar--sticky">
      <h2 className="toolbar__title">{path}</h2>
      {ready && (
        <span className={`save-state${dirty ? ' save-state--dirty' : ''}`} data-testid="notebook-state">
          {dirty ? t.unsaved : t.saved}
        </span>
      )}
      <button
        type="button"
        className="button button--primary button--small"
        disabled={!ready || saving}
        onClick={onSave}
        data-testid="notebook-save"
      >
        {saving ? t.saving : t.save}
      </button>
      <button type="button" className="button button--secondary button--small" onClick={onClose}>
        {t.close}
      </button>
    </div>
  )
}
