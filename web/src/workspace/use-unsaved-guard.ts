import { useCallback, useEffect, useState } from 'react'
import { useBlocker } from 'react-router'
import { inWorkspace } from '../app/places'
import type { Leave } from './LeaveNotice'

/** The workspace's two editors: an open notebook and an open text file. */
export type Editor = 'notebook' | 'text'

/**
 * Unsaved edits are not lost without asking: before the page is closed or reloaded (the browser
 * asks), before another file replaces an editor's or the session ends (`guard`), and before the
 * app leaves this project's workspace for another place (a link, back, forward). Moving between
 * the workspace's own tabs keeps the editors, so that is not asked about.
 */
export function useUnsavedGuard(projectId: string, openPaths: Record<Editor, string | undefined>) {
  const [dirty, setDirty] = useState<Record<Editor, boolean>>({ notebook: false, text: false })
  const [leave, setLeave] = useState<Leave | null>(null)

  // the views report their unsaved state, and false once closed or replaced by another file
  const onNotebookDirty = useCallback((d: boolean) => setDirty((s) => ({ ...s, notebook: d })), [])
  const onTextDirty = useCallback((d: boolean) => setDirty((s) => ({ ...s, text: d })), [])

  const anyDirty = dirty.notebook || dirty.text
  useEffect(() => {
    if (!anyDirty) return
    const warn = (e: BeforeUnloadEvent) => e.preventDefault()
    window.addEventListener('beforeunload', warn)
    return () => window.removeEventListener('beforeunload', warn)
  }, [anyDirty])

  /** Runs `proceed` at once, or after the researcher agrees to lose the unsaved edits of `editors`. */
  function guard(editors: Editor[], proceed: () => void, stay?: () => void) {
    const paths = editors
      .filter((e) => dirty[e])
      .map((e) => openPaths[e])
      .filter((p): p is string => p !== undefined)
    if (paths.length === 0) proceed()
    else setLeave({ paths, proceed, stay })
  }

  const blocker = useBlocker(({ nextLocation }) => anyDirty && !inWorkspace(nextLocation.pathname, projectId))
  const blocked = blocker.state === 'blocked'
  useEffect(() => {
    // guard reads the dirty editors of this render, the one that blocked
    if (blocked) guard(['notebook', 'text'], () => blocker.proceed?.(), () => blocker.reset?.())
  }, [blocked])

  return { dirty, onNotebookDirty, onTextDirty, guard, leave, answered: () => setLeave(null) }
}
