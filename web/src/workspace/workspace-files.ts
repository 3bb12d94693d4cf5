import { ApiError, type ApiClient } from '../api/client'
import { newNotebookContent } from './notebook-format'

// Paths are relative to the researcher's workspace folder (work/), '/'-separated, as the files API
// gives and takes them.

/** The folder the airlock reviews: whatever is in it is waiting to leave. */
export const OUTBOX = 'outbox'
/** Where approved imports arrive. */
export const INBOX = 'inbox'

/** Text files the server lets the browser read and save (besides notebooks). */
const EDITABLE_TEXT = new Set(['py', 'sql', 'md', 'txt', 'r', 'sh', 'json', 'yaml', 'yml', 'toml'])

/** 'csv' for "data/x.CSV"; '' without an extension. A leading dot (".bashrc") is not one. */
export function extensionOf(path: string): string {
  const name = baseName(path)
  const dot = name.lastIndexOf('.')
  return dot <= 0 ? '' : name.slice(dot + 1).toLowerCase()
}

export function isNotebook(path: string): boolean {
  return extensionOf(path) === 'ipynb'
}

export function isEditableText(path: string): boolean {
  return EDITABLE_TEXT.has(extensionOf(path))
}

export function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1)
}

/** '' for a top-level path. */
export function parentOf(path: string): string {
  const slash = path.lastIndexOf('/')
  return slash < 0 ? '' : path.slice(0, slash)
}

/** Every folder above `path`, outermost first: 'a/b/c' -> ['a', 'a/b']. */
export function ancestorsOf(path: string): string[] {
  const parts = path.split('/').slice(0, -1)
  return parts.map((_, i) => parts.slice(0, i + 1).join('/'))
}

/** Where `path` is after `from` moved to `to` (itself or something inside a moved folder); null if unaffected. */
export function movedPath(path: string, from: string, to: string): string | null {
  if (path === from) return to
  if (path.startsWith(`${from}/`)) return to + path.slice(from.length)
  return null
}

/** True for outbox/ itself and for anything in it. */
export function isInOutbox(path: string): boolean {
  return path === OUTBOX || path.startsWith(`${OUTBOX}/`)
}

/** The name rule of a cell export (the files outbox/<name>.csv and .sql/.py). */
export const EXPORT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/

/** The server's sentence for an ApiError, else the error's own text. */
export function errorText(err: unknown): string {
  if (err instanceof ApiError) return err.serverMessage ?? err.message
  return err instanceof Error ? err.message : String(err)
}

export const NOTEBOOK_FOLDER = 'notebooks'

/**
 * Creates an empty notebook under notebooks/ with a name not yet taken (Untitled.ipynb,
 * Untitled-2.ipynb, …) and returns its path. Saving with baseModifiedAt null never overwrites:
 * a name taken in the meantime (by the terminal, another tab) is answered 409, and the next is tried.
 */
export async function createNotebook(api: ApiClient, sessionId: string): Promise<string> {
  const { entries } = await api.listFiles(sessionId)
  const taken = new Set(entries.map((e) => e.path))
  if (!entries.some((e) => e.path === NOTEBOOK_FOLDER && e.type === 'dir')) {
    try {
      await api.makeFolder(sessionId, NOTEBOOK_FOLDER)
    } catch (err) {
      // made a moment ago elsewhere: fine; anything else (a file of that name) the save will explain
      if (!(err instanceof ApiError && err.status === 409)) throw err
    }
  }
  const content = newNotebookContent()
  let clashes = 0
  for (let n = 1; ; n++) {
    const path = `${NOTEBOOK_FOLDER}/Untitled${n === 1 ? '' : `-${n}`}.ipynb`
    if (taken.has(path)) continue
    try {
      await api.saveFile(sessionId, path, content, null)
      return path
    } catch (err) {
      // 409 also means "session not running": give up after a few instead of walking on forever
      if (!(err instanceof ApiError && err.status === 409) || ++clashes >= 5) throw err
    }
  }
}
