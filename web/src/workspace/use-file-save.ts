import { useCallback, useEffect, useRef, useState } from 'react'
import { ApiError, type ApiClient } from '../api/client'
import { errorText } from './workspace-files'

export type SaveProblem =
  /** the file changed since it was read (409): nothing was saved */
  { kind: 'conflict'; detail: string | null } | { kind: 'error'; message: string }

/**
 * Saving an open text file or notebook with the modifiedAt it was read with, so that a change made
 * meanwhile (in the terminal, another tab) is reported instead of overwritten. `path` may change
 * while the file is open (renamed in Files); saves go to the current one.
 */
export function useFileSave(api: ApiClient, sessionId: string, path: string) {
  const [saving, setSaving] = useState(false)
  const [problem, setProblem] = useState<SaveProblem | null>(null)
  const inFlight = useRef(false)
  /** the modifiedAt of the last read or save */
  const base = useRef<string | null>(null)
  const currentPath = useRef(path)
  useEffect(() => {
    currentPath.current = path
  }, [path])

  /**
   * Saves `content`; `overwrite` first reads the file's current modifiedAt, so the save replaces
   * whatever is there now. True when saved.
   */
  const save = useCallback(
    async (content: string, overwrite = false): Promise<boolean> => {
      if (inFlight.current) return false
      inFlight.current = true
      setSaving(true)
      setProblem(null)
      const path = currentPath.current
      try {
        let baseModifiedAt = base.current
        if (overwrite) {
          try {
            baseModifiedAt = (await api.readFile(sessionId, path)).modifiedAt
          } catch (err) {
            // deleted meanwhile: saving creates it again
            if (!(err instanceof ApiError && err.status === 404)) throw err
            baseModifiedAt = null
          }
        }
        const entry = await api.saveFile(sessionId, path, content, baseModifiedAt)
        base.current = entry.modifiedAt
        return true
      } catch (err) {
        setProblem(
          err instanceof ApiError && err.status === 409
            ? { kind: 'conflict', detail: err.serverMessage }
            : { kind: 'error', message: errorText(err) }
        )
        return false
      } finally {
        inFlight.current = false
        setSaving(false)
      }
    },
    [api, sessionId]
  )

  /** After (re)reading the file: saves compare against this modifiedAt. */
  const opened = useCallback((modifiedAt: string) => {
    base.current = modifiedAt
    setProblem(null)
  }, [])

  return { saving, problem, save, opened }
}

/** Calls `onSave` on Ctrl+S / Cmd+S while `active`, instead of the browser's "save page". */
export function useSaveShortcut(active: boolean, onSave: () => void) {
  const handler = useRef(onSave)
  useEffect(() => {
    handler.current = onSave
  }, [onSave])
  useEffect(() => {
    if (!active) return
    const onKey = (e: KeyboardEvent) => {
      if ((e.ctrlKey || e.metaKey) && !e.altKey && !e.shiftKey && e.key.toLowerCase() === 's') {
        e.preventDefault()
        handler.current()
      }
    }
    window.addEventListener('keydown', onKey)
    return () => window.removeEventListener('keydown', onKey)
  }, [active])
}
