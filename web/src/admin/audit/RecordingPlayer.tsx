import { Terminal as XTerm } from '@xterm/xterm'
import '@xterm/xterm/css/xterm.css'
import { useEffect, useRef, useState } from 'react'
import { useStrings } from '../../i18n/language'
import { type Cast, formatSeconds } from './cast'
import { auditStrings } from './strings'

/** Longest quiet stretch shown as it was; longer ones are shortened to this. */
const MAX_IDLE_S = 2

/**
 * Plays a terminal recording in a read-only xterm: output and resizes at their recorded times
 * (long idle stretches shortened), what was typed listed beside it. Pause, speed, restart.
 */
export function RecordingPlayer({ cast }: { cast: Cast }) {
  const t = useStrings(auditStrings).recording
  const host = useRef<HTMLDivElement>(null)
  const term = useRef<XTerm | null>(null)
  const [playing, setPlaying] = useState(false)
  const [speed, setSpeed] = useState(1)
  const [next, setNext] = useState(0)
  const [typed, setTyped] = useState<string[]>([])

  // the recorded times with idle stretches cut short: when each event is shown
  const times = useRef<number[]>([])
  useEffect(() => {
    let shift = 0
    let prev = 0
    times.current = cast.events.map((e) => {
      shift += Math.max(0, e.at - prev - MAX_IDLE_S)
      prev = e.at
      return e.at - shift
    })
  }, [cast])

  useEffect(() => {
    const x = new XTerm({
      cols: cast.width,
      rows: cast.height,
      disableStdin: true,
      convertEol: false,
      scrollback: 5000
    })
    x.open(host.current!)
    term.current = x
    // the player opens below the search; xterm draws nothing while it is out of view
    host.current!.scrollIntoView({ block: 'nearest' })
    setNext(0)
    setTyped([])
    return () => {
      x.dispose()
      term.current = null
    }
  }, [cast])

  useEffect(() => {
    if (!playing) return
    const x = term.current
    if (x === null) return
    if (next >= cast.events.length) {
      setPlaying(false)
      return
    }
    const wait = next === 0 ? 0 : ((times.current[next]! - times.current[next - 1]!) * 1000) / speed
    const timer = setTimeout(() => {
      const e = cast.events[next]!
      if (e.kind === 'o') x.write(e.data)
      else if (e.kind === 'r') {
        const [cols, rows] = e.data.split('x').map(Number)
        if (cols && rows) x.resize(cols, rows)
      } else
        // keystrokes arrive one by one: shown as the lines they made, Enter ending each
        setTyped((list) => {
          const lines = list.length === 0 ? [''] : [...list]
          for (const ch of e.data) {
            if (ch === '\r' || ch === '\n') lines.push('')
            else lines[lines.length - 1] += ch
          }
          return lines.slice(-200)
        })
      setNext(next + 1)
    }, wait)
    return () => clearTimeout(timer)
  }, [playing, next, speed, cast])

  const restart = () => {
    term.current?.reset()
    setTyped([])
    setNext(0)
    setPlaying(true)
  }
  const at = next === 0 ? 0 : cast.events[next - 1]!.at

  return (
    <div className="player" data-testid="recording-player">
      <div className="player__controls">
        <button type="button" className="button" onClick={() => setPlaying((p) => !p)} data-testid="player-toggle">
          {playing ? t.pause : t.play}
        </button>
        <button type="button" className="button button--secondary" onClick={restart}>
          {t.restart}
        </button>
        <label>
          {t.speed}{' '}
          <select value={speed} onChange={(e) => setSpeed(Number(e.target.value))}>
            {[1, 2, 4, 8, 32].map((s) => (
              <option key={s} value={s}>
                {s}×
              </option>
            ))}
          </select>
        </label>
        <span role="status" data-testid="player-position">
          {t.position(formatSeconds(at), formatSeconds(cast.duration))}
        </span>
      </div>
      <div className="player__body">
        <div ref={host} className="terminal__screen player__screen" />
        <aside className="player__typed" aria-label={t.typed}>
          <h4>{t.typed}</h4>
          <ol>
            {typed.map((line, i) => (
              <li key={i}>
                {/* control keys (arrows, Ctrl-C) shown escaped */}
                <code>{JSON.stringify(line).slice(1, -1)}</code>
              </li>
            ))}
          </ol>
        </aside>
      </div>
    </div>
  )
}
