import type { FormEvent, KeyboardEvent } from 'react'
import { useStrings } from '../../i18n/language'
import { workspaceStrings } from '../strings'

interface Props {
  /** the view's id prefix, for the input and its hint */
  formId: string
  value: string
  busy: boolean
  onValue(value: string): void
  onSubmit(e: FormEvent): void
  onCancel(): void
  onKeyDown(e: KeyboardEvent): void
}

/** The folder path to make, under the toolbar. */
export function NewFolderForm({ formId, value, busy, onValue, onSubmit, onCancel, onKeyDown }: Props) {
  const t = useStrings(workspaceStrings).files
  return (
    <form className="inline-form" onSubmit={onSubmit} onKeyDown={onKeyDown}>
      <label htmlFor={`${formId}-folder`}>{t.folderPath}</label>
      <input
        id={`${formId}-folder`}
        className="inline-form__input"
        value={value}
        onChange={(e) => onValue(e.target.value)}
        aria-describedby={`${formId}-folder-hint`}
        autoFocus
        spellCheck={false}
        data-testid="new-folder-path"
      />
      <button type="submit" className="button button--primary button--small" disabled={busy}>
        {t.create}
      </button>
      <button type="button" className="button button--secondary button--small" onClick={onCancel}>
        {t.cancel}
      </button>
      <p id={`${formId}-folder-hint`} className="field__hint inline-form__hint">
        {t.pathHint}
      </p>
    </form>
  )
}
