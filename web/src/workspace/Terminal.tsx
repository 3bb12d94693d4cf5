import { FitAddon } from '@xterm/addon-fit'
import { Terminal as XTerm } from '@xterm/xterm'
import '@xterm/xterm/css/xterm.css'
import { useEffect, useRef, useState } from 'react'
import type { ApiClient } from '../api/client'
import { formatBytes } from '../i18n/format'
import { useLanguage, useStrings } from '../i18n/language'
import { workspaceStrings } from './strings'

/** Acknowledge drawn output in steps of this size: the gateway pauses the sandbox beyond 1 MiB. */
const ACK_EVERY = 64 * 1024

type Link = { kind: 'connecting' } | { kind: 'open' } | { kind: 'lost' } | { kind: 'closed'; reason: string }

/** What the gateway says of the output against the session's display budget. */
type Pace =
  | { state: 'flowing' }
  | { state: 'paced'; bytesPerMinute: number }
  | { state: 'exhausted'; bytesPerSession: number }
  | { state: 'skipped'; bytes: number }

/** How long the note that paced output was skipped stays up. */
const SKIPPED_NOTE_MS = 6_000

/**
 * The session's shell in xterm.js over the terminal WebSocket. Output is acknowledged once xterm
 * has drawn it (flow control), the size follows the element, a dropped connection reconnects to
 * the same shell. Copying out is blocked; pasting in is allowed.
 */
export function TerminalView({
  api,
  sessionId,
  onCopyBlocked
}: {
  api: ApiClient
  sessionId: string
  onCopyBlocked(): void
}) {
  const t = useStrings(workspaceStrings)
  const host = useRef<HTMLDivElement>(null)
  const [link, setLink] = useState<Link>({ kind: 'connecting' })
  const [pace, setPace] = useState<Pace>({ state: 'flowing' })
  const [attempt, setAttempt] = useState(0)
  const { language } = useLanguage()

  useEffect(() => {
    const term = new XTerm({
      cursorBlink: true,
      fontSize: 14,
      fontFamily: "'DejaVu Sans Mono', 'Noto Sans Mono CJK JP', monospace",
      scrollback: 5000
    })
    const fit = new FitAddon()
    term.loadAddon(fit)
    term.open(host.current!)
    fit.fit()
    // Visiting control: nothing selected in the terminal leaves through the clipboard.
    term.attachCustomKeyEventHandler((e) => {
      const copy = (e.ctrlKey || e.metaKey) && (e.key === 'c' || e.key === 'C') && (e.shiftKey || e.metaKey)
      if (e.type === 'keydown' && copy) {
        onCopyBlocked()
        return false
      }
      return true
    })
    const blockCopy = (e: ClipboardEvent) => {
      e.preventDefault()
      e.clipboardData?.setData('text/plain', '')
      onCopyBlocked()
    }
    const el = host.current!
    el.addEventListener('copy', blockCopy, true)
    el.addEventListener('cut', blockCopy, true)

    let ws: WebSocket | null = null
    let stopped = false
    let drawn = 0
    let acked = 0
    let retry: ReturnType<typeof setTimeout> | undefined
    let skippedNote: ReturnType<typeof setTimeout> | undefined
    const send = (m: unknown) => ws?.readyState === WebSocket.OPEN && ws.send(JSON.stringify(m))
    const input = term.onData((data) => send({ type: 'input', data }))
    const resized = term.onResize(({ cols, rows }) => send({ type: 'resize', cols, rows }))
    const observer = new ResizeObserver(() => fit.fit())
    observer.observe(el)

    const connect = async () => {
      setLink({ kind: 'connecting' })
      let url: string
      try {
        url = await api.terminalUrl(sessionId, term.cols, term.rows)
      } catch (err) {
        if (!stopped) setLink({ kind: 'closed', reason: err instanceof Error ? err.message : String(err) })
        return
      }
      if (stopped) return
      const socket = new WebSocket(url)
      socket.binaryType = 'arraybuffer'
      ws = socket
      let closedReason: string | null = null
      socket.onopen = () => {
        // the gateway replays the recent screen: start from a clean one
        term.reset()
        setPace({ state: 'flowing' })
        drawn = 0
        acked = 0
        setLink({ kind: 'open' })
        // not while another tab is shown: a reconnect must not take the focus from a notebook cell
        if (el.offsetParent !== null) term.focus()
      }
      socket.onmessage = (e) => {
        if (typeof e.data === 'string') {
          const m = JSON.parse(e.data) as { type: string; reason?: string } & Partial<Pace>
          if (m.type === 'closed') closedReason = m.reason ?? ''
          if (m.type === 'display') {
            const p = m as Pace
            clearTimeout(skippedNote)
            if (p.state === 'skipped') {
              setPace(p)
              skippedNote = setTimeout(() => setPace({ state: 'flowing' }), SKIPPED_NOTE_MS)
            } else if (p.state !== 'flowing') setPace(p)
            else setPace((now) => (now.state === 'skipped' ? now : p))
          }
          return
        }
        const bytes = new Uint8Array(e.data as ArrayBuffer)
        term.write(bytes, () => {
          drawn += bytes.length
          if (drawn - acked >= ACK_EVERY) {
            acked = drawn
            send({ type: 'ack', bytes: acked })
          }
        })
      }
      socket.onclose = (e) => {
        if (stopped) return
        // refused or ended on purpose: say why; a dropped connection: try again
        if (closedReason !== null || e.code === 4001 || e.code === 4002) {
          setLink({ kind: 'closed', reason: closedReason ?? e.reason })
        } else {
          setLink({ kind: 'lost' })
          retry = setTimeout(() => void connect(), 1000)
        }
      }
    }
    void connect()

    return () => {
      stopped = true
      clearTimeout(retry)
      clearTimeout(skippedNote)
      observer.disconnect()
      input.dispose()
      resized.dispose()
      el.removeEventListener('copy', blockCopy, true)
      el.removeEventListener('cut', blockCopy, true)
      ws?.close()
      term.dispose()
    }
  }, [api, sessionId, attempt, onCopyBlocked])

  return (
    <section className="terminal" aria-label={t.terminalLabel}>
      {link.kind === 'lost' && (
        <p className="terminal__status" role="status">
          {t.reconnecting}
        </p>
      )}
      {link.kind === 'closed' && (
        <p className="terminal__status" role="alert" data-testid="terminal-closed">
          {t.terminalClosed(link.reason)}{' '}
          <button type="button" className="button button--secondary" onClick={() => setAttempt((n) => n + 1)}>
            {t.reconnect}
          </button>
        </p>
      )}
      {pace.state !== 'flowing' && (
        <p className="notice notice--warn terminal__status" role="status" data-testid="terminal-paced">
          {pace.state === 'paced'
            ? t.display.paced(formatBytes(pace.bytesPerMinute, language))
            : pace.state === 'exhausted'
              ? t.display.exhausted(formatBytes(pace.bytesPerSession, language))
              : t.display.skipped(formatBytes(pace.bytes, language))}
        </p>
      )}
      <div className="terminal__screen" ref={host} data-testid="terminal" data-link={link.kind} />
    </section>
  )
}
