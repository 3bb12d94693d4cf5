import { useRef, type KeyboardEvent } from 'react'
import { WORKSPACE_TABS, type WorkspaceTab } from '../app/places'
import { useStrings } from '../i18n/language'
import { workspaceStrings } from './strings'

interface Props {
  /** prefix of the tabs' and panels' element ids */
  idPrefix: string
  current: WorkspaceTab
  /** tabs holding unsaved edits, marked as such */
  unsaved: ReadonlySet<WorkspaceTab>
  /** `stepped`: reached with an arrow key, Home or End rather than chosen */
  onSelect(tab: WorkspaceTab, stepped: boolean): void
}

/** The workspace's tab list: click a tab, or step with the arrow keys, Home and End (focus follows). */
export function WorkspaceTabs({ idPrefix, current, unsaved, onSelect }: Props) {
  const t = useStrings(workspaceStrings)
  const buttons = useRef(new Map<WorkspaceTab, HTMLButtonElement>())

  function onKey(e: KeyboardEvent) {
    const at = WORKSPACE_TABS.indexOf(current)
    const last = WORKSPACE_TABS.length - 1
    const to =
      e.key === 'ArrowRight'
        ? WORKSPACE_TABS[at === last ? 0 : at + 1]
        : e.key === 'ArrowLeft'
          ? WORKSPACE_TABS[at === 0 ? last : at - 1]
          : e.key === 'Home'
            ? WORKSPACE_TABS[0]
            : e.key === 'End'
              ? WORKSPACE_TABS[last]
              : undefined
    if (to === undefined) return
    e.preventDefault()
    onSelect(to, true)
    buttons.current.get(to)?.focus()
  }

  return (
    <div className="tabs" role="tablist" aria-label={t.tabs.label} onKeyDown={onKey}>
      {WORKSPACE_TABS.map((name) => (
        <button
          key={name}
          ref={(el) => {
            if (el === null) buttons.current.delete(name)
            else buttons.current.set(name, el)
          }}
          type="button"
          role="tab"
          id={`${idPrefix}-tab-${name}`}
          className="tabs__tab"
          aria-selected={current === name}
          aria-controls={`${idPrefix}-panel-${name}`}
          tabIndex={current === name ? 0 : -1}
          onClick={() => onSelect(name, false)}
          data-testid={`tab-${name}`}
        >
          {t.tabs[name]}
          {unsaved.has(name) && (
            <span className="tabs__dirty" title={t.tabs.unsavedMark}>
              <span aria-hidden="true"> ●</span>
              <span className="visually-hidden"> ({t.tabs.unsavedMark})</span>
            </span>
          )}
        </button>
      ))}
    </div>
  )
}
