import { useState } from 'react'
import type { ApiClient } from '../../api/client'
import { useStrings } from '../../i18n/language'
import { workspaceStrings } from '../strings'
import { createNotebook, errorText } from '../workspace-files'

/** Creates notebooks/Untitled….ipynb and hands its path on; shown in Files and in the empty Notebook tab. */
export function NewNotebookButton({
  api,
  sessionId,
  onCreated,
  onError
}: {
  api: ApiClient
  sessionId: string
  onCreated(path: string): void
  onError(message: string): void
}) {
  const t = useStrings(workspaceStrings).files
  const [creating, setCreating] = useState(false)

  async function create() {
    setCreating(true)
    try {
      onCreated(await createNotebook(api, sessionId))
    } catch (err) {
      onError(errorText(err))
    } finally {
      setCreating(false)
    }
  }

  return (
    <button
      type="button"
      className="button button--primary button--small"
      disabled={creating}
      onClick={() => void create()}
      data-testid="new-notebook"
    >
      {creating ? t.creatingNotebook : t.newNotebook}
    </button>
  )
}
