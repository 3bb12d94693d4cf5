import { useEffect, useRef, useState } from 'react'
import type { ApiClient } from '../api/client'
import type { DisplayCut } from '../api/types'
import { formatBytes } from '../i18n/format'
import { useLanguage, useStrings } from '../i18n/language'
import { workspaceStrings } from './strings'
import { useFileSave, useSaveShortcut, type SaveProblem } from './use-file-save'
import { errorText } from './workspace-files'

interface Props {
  api: ApiClient
  sessionId: string
  /** the file's current path (it may be renamed in Files while open) */
  path: string
  /** its tab is shown (Ctrl+S saves only then) */
  active: boolean
  onClose(): void
  onDirtyChange(dirty: boolean): void
}

type Load = { kind: 'loading' } | { kind: 'failed'; message: string } | { kind: 'ready' }

/** A plain editor for a script or note in the workspace (.py, .sql, .md, …): a textarea, saved with Ctrl+S. */
export function TextEditor({ api, sessionId, path, active, onClose, onDirtyChange }: Props) {
  const strings = useStrings(workspaceStrings)
  const t = strings.editor
  const { language } = useLanguage()
  const [load, setLoad] = useState<Load>({ kind: 'loading' })
  /** part of the file was held back by the display budget: read-only, never saved over the whole */
  const [cut, setCut] = useState<DisplayCut | null>(null)
  const [text, setText] = useState('')
  const [savedText, setSavedText] = useState('')
  const [generation, setGeneration] = useState(0)
  const { saving, problem, save, opened } = useFileSave(api, sessionId, path)
  const currentPath = useRef(path)
  useEffect(() => {
    currentPath.current = path
  }, [path])

  const dirty = load.kind === 'ready' && text !== savedText
  useEffect(() => onDirtyChange(dirty), [dirty, onDirtyChange])
  // once closed (or gone with the session) its edits are gone: nothing is left to warn about
  useEffect(() => () => onDirtyChange(false), [onDirtyChange])

  useEffect(() => {
    let current = true
    setLoad({ kind: 'loading' })
    api.readFile(sessionId, currentPath.current).then(
      (file) => {
        if (!current) return
        setText(file.content)
        setSavedText(file.content)
        setCut(file.cut)
        opened(file.modifiedAt)
        setLoad({ kind: 'ready' })
      },
      (err: unknown) => {
        if (current) setLoad({ kind: 'failed', message: errorText(err) })
      }
    )
    return () => {
      current = false
    }
  }, [api, sessionId, generation, opened])

  async function saveNow(overwrite = false) {
    if (load.kind !== 'ready' || cut !== null) return
    const content = text
    if (await save(content, overwrite)) setSavedText(content)
  }

  useSaveShortcut(active && load.kind === 'ready' && cut === null, () => void saveNow())

  return (
    <section className="editor" aria-label={t.label(path)} data-testid="text-editor" data-file={path}>
      <div className="toolbar">
        <h2 className="toolbar__title">{path}</h2>
        {load.kind === 'ready' && (
          <span className={`save-state${dirty ? ' save-state--dirty' : ''}`} data-testid="editor-state">
            {dirty ? t.unsaved : t.saved}
          </span>
        )}
        <button
          type="button"
          className="button button--primary button--small"
          disabled={load.kind !== 'ready' || saving || cut !== null}
          onClick={() => void saveNow()}
          data-testid="editor-save"
        >
          {saving ? t.saving : t.save}
        </button>
        <button type="button" className="button button--secondary button--small" onClick={onClose}>
          {t.close}
        </button>
      </div>
      {load.kind === 'loading' && <p role="status">{t.loading}</p>}
      {load.kind === 'failed' && (
        <p className="error-message" role="alert">
          {load.message}
        </p>
      )}
      <SaveProblemNotice
        problem={problem}
        busy={saving}
        onReload={() => setGeneration((n) => n + 1)}
        onOverwrite={() => void saveNow(true)}
      />
      {load.kind === 'ready' && cut !== null && (
        <p className="notice notice--warn" role="note" data-testid="file-cut">
          {strings.display.fileCut(formatBytes(cut.heldBackBytes, language), formatBytes(cut.bytesPerMinute, language))}
        </p>
      )}
      {load.kind === 'ready' && (
        <>
          <textarea
            className="editor__text"
            value={text}
            readOnly={cut !== null}
            onChange={(e) => setText(e.target.value)}
            aria-label={t.content}
            spellCheck={false}
            wrap="off"
            data-testid="editor-text"
          />
          <p className="field__hint">{t.shortcut}</p>
        </>
      )}
    </section>
  )
}

/** Why the last save did not happen; for a conflict, the way out: reload theirs or save mine over it. */
export function SaveProblemNotice({
  problem,
  busy,
  onReload,
  onOverwrite
}: {
  problem: SaveProblem | null
  busy: boolean
  onReload(): void
  onOverwrite(): void
}) {
  const t = useStrings(workspaceStrings).editor
  if (problem === null) return null
  if (problem.kind === 'error') {
    return (
      <p className="error-message" role="alert" data-testid="save-error">
        {problem.message}
      </p>
    )
  }
  return (
    <div className="error-message" role="alert" data-testid="save-conflict">
      <p>{t.conflict}</p>
      {problem.detail !== null && <p className="error-message__detail">{problem.detail}</p>}
      <div className="button-row">
        <button type="button" className="button button--secondary button--small" disabled={busy} onClick={onReload}>
          {t.reload}
        </button>
        <button type="button" className="button button--secondary button--small" disabled={busy} onClick={onOverwrite}>
          {t.overwrite}
        </button>
      </div>
    </div>
  )
}
