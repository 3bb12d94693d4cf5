import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react'
import type { ApiClient } from '../api/client'
import type { AirlockDirection, ExportRequestSummary, ExportState, UserView } from '../api/types'
import { useStrings } from '../i18n/language'
import { requestLabel, shortId } from './airlock-format'
import { airlockStrings, stateName } from './strings'

/** How often the airlock is asked for changes. */
export const POLL_MS = 30_000
/** Notifications kept on screen; older ones give way. */
const MAX_SHOWN = 5

export interface AirlockNotification {
  key: number
  requestId: string
  direction: AirlockDirection
  /** what the request is about: its files, or a short id */
  label: string
  state: ExportState
}

interface Watch {
  notifications: AirlockNotification[]
  dismiss(key: number): void
  /** reviewers: how many requests wait for a decision; null until known, and for everyone else */
  queueCount: number | null
  /** grows each time a poll finds a change: views that list requests read them again */
  version: number
  /** a state this tab brought about itself (a submit, a withdrawal): remembered, not announced */
  remember(id: string, state: ExportState, direction?: AirlockDirection): void
  /** asks at once instead of at the next poll */
  refresh(): void
}

const WatchContext = createContext<Watch | null>(null)

/**
 * Follows the signed-in user's airlock for the in-app notifications: a researcher's requests,
 * exports and imports (a state that changed since the last poll is announced) and a reviewer's
 * queue (its size). The last states seen are kept in memory only, for as long as the user is signed
 * in in this tab.
 */
export function AirlockWatchProvider({ api, user, children }: { api: ApiClient; user: UserView; children: ReactNode }) {
  const s = useStrings(airlockStrings)
  const more = useRef(s.moreFiles)
  more.current = s.moreFiles
  const [notifications, setNotifications] = useState<AirlockNotification[]>([])
  const [queueCount, setQueueCount] = useState<number | null>(null)
  const [version, setVersion] = useState(0)
  // per direction: a list that could not be read keeps what was seen of it
  const seen = useRef<Record<AirlockDirection, Map<string, ExportState> | null>>({ export: null, import: null })
  const queue = useRef<string | null>(null)
  const nextKey = useRef(0)
  const polling = useRef(false)
  const isResearcher = user.roles.includes('researcher')
  // a reviewer who must first set their own credentials has no queue yet: asking would only be refused
  const isReviewer = user.roles.includes('reviewer') && !user.mustChangeCredentials

  const poll = useCallback(async () => {
    if (polling.current) return
    polling.current = true
    try {
      let changed = false
      if (isResearcher) {
        const [exports, imports] = await Promise.all([
          api.listExports().catch(() => null),
          api.listImports().catch(() => null)
        ])
        const found = await Promise.all([
          exports === null ? false : compare('export', exports),
          imports === null ? false : compare('import', imports)
        ])
        changed = found.includes(true) || changed
      }
      if (isReviewer) {
        const list = await api.listReviews().catch(() => null)
        if (list !== null) {
          setQueueCount(list.length)
          // the reviews in and the conflicts too: the queue's columns show them
          const ids = list.map((r) => `${r.id}:${r.state}:${r.round}:${r.reviews}:${r.conflicted}`).join(',')
          if (queue.current !== null && queue.current !== ids) changed = true
          queue.current = ids
        }
      }
      if (changed) setVersion((v) => v + 1)
    } finally {
      polling.current = false
    }

    /** Announces the requests whose state moved since the last poll; true if anything changed. */
    async function compare(direction: AirlockDirection, list: ExportRequestSummary[]): Promise<boolean> {
      const before = seen.current[direction]
      seen.current[direction] = new Map(list.map((r) => [r.id, r.state]))
      // the first answer is what is, not news
      if (before === null) return false
      const moved = list.filter((r) => before.has(r.id) && before.get(r.id) !== r.state)
      const added = list.some((r) => !before.has(r.id))
      if (moved.length === 0) return added
      const fresh = await Promise.all(
        moved.map(async (r) => {
          const label = await (direction === 'import' ? api.getImport(r.id) : api.getExport(r.id)).then(
            (detail) => requestLabel(detail, more.current),
            () => shortId(r.id)
          )
          return { key: ++nextKey.current, requestId: r.id, direction, label, state: r.state }
        })
      )
      setNotifications((n) => [...n, ...fresh].slice(-MAX_SHOWN))
      return true
    }
  }, [api, isResearcher, isReviewer])

  useEffect(() => {
    if (!isResearcher && !isReviewer) return
    void poll()
    const timer = setInterval(() => void poll(), POLL_MS)
    return () => clearInterval(timer)
  }, [poll, isResearcher, isReviewer])

  const remember = useCallback((id: string, state: ExportState, direction: AirlockDirection = 'export') => {
    seen.current[direction]?.set(id, state)
  }, [])
  const dismiss = useCallback((key: number) => setNotifications((n) => n.filter((x) => x.key !== key)), [])
  const refresh = useCallback(() => void poll(), [poll])

  const value = useMemo(
    () => ({ notifications, dismiss, queueCount, version, remember, refresh }),
    [notifications, dismiss, queueCount, version, remember, refresh]
  )
  return <WatchContext.Provider value={value}>{children}</WatchContext.Provider>
}

/** The airlock watch of the signed-in user; a quiet stand-in outside a provider. */
export function useAirlockWatch(): Watch {
  return useContext(WatchContext) ?? QUIET
}

const QUIET: Watch = {
  notifications: [],
  dismiss: () => {},
  queueCount: null,
  version: 0,
  remember: () => {},
  refresh: () => {}
}

/** Announcements of state changes, under the top bar; a live region, so screen readers hear them. */
export function NotificationList() {
  const t = useStrings(airlockStrings)
  const { notifications, dismiss } = useAirlockWatch()
  return (
    <div className="notifications" aria-live="polite" aria-label={t.notifications.label} data-testid="notifications">
      {notifications.map((n) => (
        <div
          key={n.key}
          className={`notification notification--${n.state}`}
          data-testid="notification"
          data-request-id={n.requestId}
          data-direction={n.direction}
          data-state={n.state}
        >
          <p className="notification__text">
            {n.direction === 'import'
              ? t.notifications.importChanged(n.label, stateName(t, n.state, 'import'), n.state === 'released')
              : t.notifications.changed(n.label, t.states[n.state])}
          </p>
          <button
            type="button"
            className="button button--secondary button--small"
            aria-label={t.notifications.dismissLabel(n.label)}
            onClick={() => dismiss(n.key)}
            data-testid="notification-dismiss"
          >
            {t.notifications.dismiss}
          </button>
        </div>
      ))}
    </div>
  )
}

/** For reviewers, in the top bar: how many requests wait for a decision. */
export function QueueBadge() {
  const t = useStrings(airlockStrings).notifications
  const { queueCount } = useAirlockWatch()
  if (queueCount === null) return null
  return (
    <span
      className={`topbar__queue${queueCount > 0 ? ' topbar__queue--waiting' : ''}`}
      role="status"
      data-testid="review-queue-count"
      data-count={queueCount}
    >
      <span aria-hidden="true">{t.queue}</span>
      <span className="topbar__queue-count" aria-hidden="true">
        {queueCount}
      </span>
      <span className="visually-hidden">{t.queueLabel(queueCount)}</span>
    </span>
  )
}
