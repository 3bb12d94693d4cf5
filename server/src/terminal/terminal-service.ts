import { PassThrough, type Readable } from 'node:stream'
import type { FastifyBaseLogger } from 'fastify'
import type { DisplayService, Viewer } from '../display/display-service.js'
import type { ExecProcess, SandboxDriver } from '../sandbox/driver.js'
import { OutputPacer, type PaceNotice } from './pacing.js'
import type { Recorder, Recording } from './recording.js'

/** The researcher's shell: a login bash on a TTY (sandbox-images/tools/bin/vre-shell). */
export const SHELL = ['vre-shell']
/**
 * The session's first shell restores the workspace the init staged before bash starts, and says
 * how that went with this escape sequence, which is taken out of the stream.
 */
const RESTORED = /\x1b\]7701;restore=([^\x07]*)\x07/

export interface TerminalSize {
  cols: number
  rows: number
}

/** One terminal connection: the browser's view of the session's shell. */
export interface Terminal {
  /** what the shell shows: first what it showed recently (so a reconnect sees the screen), then live */
  output: Readable
  write(data: string): void
  resize(size: TerminalSize): Promise<void>
  /** ends this connection; the shell lives on for the next one */
  close(): void
  /** settles when this connection ends: closed, replaced by a newer one, or the shell exited */
  ended: Promise<string>
  /** told when the output starts or stops being paced to the display budget (at once if it is now) */
  onNotice(listener: (notice: PaceNotice) => void): void
}

interface Shell {
  proc: ExecProcess
  /** the most recent output shown, replayed to a new connection */
  recent: Buffer[]
  recentBytes: number
  alive: boolean
  /** the connection attached now, if any */
  attached: { output: PassThrough; detach: (why: string) => void; notice: (n: PaceNotice) => void } | null
  pacer: OutputPacer
  /** why reading the sandbox is paused: the browser is behind, or the display budget is spent */
  pausedFor: Set<'browser' | 'budget'>
}

interface SessionTerminals {
  sandboxId: string
  /** the session, its project and its researcher: whose display budget the output is paced to */
  viewer: Viewer
  shell: Promise<Shell> | null
  recording: Recording | null
}

export interface TerminalServiceDeps {
  driver: SandboxDriver
  dataDir: string
  now: () => number
  log: FastifyBaseLogger
  /** the sessions' recordings, capped by their policy's quota */
  recordings: Pick<Recorder, 'start'>
  /** the session's display budget, which the shell's output is paced to */
  display: Pick<DisplayService, 'take' | 'takeWithDebt' | 'msUntil' | 'shown' | 'status'>
}

/** Keys that end or stop a program: while output is paced, they skip what is held back of it. */
const INTERRUPTS = /[\x03\x1a\x1c]/

/** Replayed on (re)connection: a few screens of a busy terminal. */
const RECENT_LIMIT = 256 * 1024

/**
 * The shells of live sessions. Each session has one shell, started while its sandbox is still
 * being filled so the prompt is waiting when the browser connects. A connection attaches to it;
 * when the connection drops, the shell keeps running (its output kept, the most recent part
 * replayed to the next connection), and a new connection takes over from an old one.
 *
 * Why not tmux in the sandbox: under gVisor a tmux client stops reading its keyboard while its
 * pane floods the screen, so Ctrl-C could not stop a runaway `cat` (measured); a shell on the exec
 * TTY gets Ctrl-C from the line discipline itself, at once.
 */
export function createTerminalService(deps: TerminalServiceDeps) {
  const { driver, log } = deps
  const sessions = new Map<string, SessionTerminals>()
  /** told of every chunk a shell prints (the monitoring counts it), watched or not */
  const outputListeners = new Set<(sessionId: string, bytes: number) => void>()

  const entry = (viewer: Viewer, sandboxId: string): SessionTerminals => {
    let s = sessions.get(viewer.sessionId)
    if (s === undefined || s.sandboxId !== sandboxId) {
      s = { sandboxId, viewer, shell: null, recording: null }
      sessions.set(viewer.sessionId, s)
    }
    return s
  }

  /**
   * Starts a shell; with `restored`, it is the session's first, which unpacks the workspace
   * first and settles `restored` with the outcome.
   */
  async function startShell(
    s: SessionTerminals,
    sessionId: string,
    restored?: { resolve: () => void; reject: (err: Error) => void }
  ): Promise<Shell> {
    const proc = await driver.exec(s.sandboxId, {
      cmd: restored ? [...SHELL, '--restore'] : SHELL,
      tty: true,
      stdin: true,
      env: { TERM: 'xterm-256color', COLORTERM: 'truecolor' }
    })
    const { display } = deps
    const pausedFor = new Set<'browser' | 'budget'>()
    const shell: Shell = {
      proc,
      recent: [],
      recentBytes: 0,
      alive: true,
      attached: null,
      pausedFor,
      pacer: new OutputPacer({
        take: (n) => display.take(s.viewer, n),
        takeWithDebt: (n, debt) => display.takeWithDebt(s.viewer, n, debt),
        msUntil: (n) => display.msUntil(s.viewer, n),
        limits: () => display.status(s.viewer).limits,
        pause: () => {
          pausedFor.add('budget')
          proc.stdout.pause()
        },
        resume: () => {
          pausedFor.delete('budget')
          if (pausedFor.size === 0) proc.stdout.resume()
        },
        // only what the budget allowed reaches the screen, and only that is replayed to a new connection
        deliver: (c) => {
          display.shown(s.viewer, 'terminal', c)
          shell.recent.push(c)
          shell.recentBytes += c.length
          while (shell.recentBytes > RECENT_LIMIT && shell.recent.length > 1)
            shell.recentBytes -= shell.recent.shift()!.length
          const a = shell.attached
          // the browser is behind: stop reading the sandbox until it catches up
          if (a !== null && !a.output.write(c)) {
            pausedFor.add('browser')
            proc.stdout.pause()
          }
        },
        notice: (n) => shell.attached?.notice(n)
      })
    }
    // until the restore is reported, output is held back (it is only the restore's own)
    let held: Buffer | null = restored ? Buffer.alloc(0) : null
    proc.stdout.on('data', (chunk: Buffer) => {
      let c = chunk
      if (held !== null) {
        held = Buffer.concat([held, c])
        const m = RESTORED.exec(held.toString('latin1'))
        if (m === null) {
          if (held.length > 1024 * 1024) held = held.subarray(-4096)
          return
        }
        const status = m[1]
        const before = held.subarray(0, m.index)
        c = Buffer.concat([before, held.subarray(m.index + m[0].length)])
        held = null
        if (status === '0') restored!.resolve()
        else
          restored!.reject(
            new Error(`the workspace could not be restored (${status}): ${before.toString('utf8').trim()}`)
          )
        if (c.length === 0) return
      }
      // the recording and the monitor see everything the shell printed; the screen what the budget allows
      s.recording?.output(c)
      for (const listener of outputListeners) listener(sessionId, c.length)
      shell.pacer.push(c)
    })
    void proc
      .wait()
      .then(
        () => undefined,
        () => undefined
      )
      .then(() => {
        shell.alive = false
        shell.pacer.dispose()
        shell.attached?.detach('the shell ended')
        if (sessions.get(sessionId) === s && s.shell !== null) s.shell = null
      })
    return shell
  }

  const shellOf = (s: SessionTerminals, sessionId: string): Promise<Shell> => {
    s.shell ??= startShell(s, sessionId).catch((err: unknown) => {
      s.shell = null
      throw err
    })
    return s.shell
  }

  /**
   * Starts the session's first shell as its sandbox comes up: its prompt is drawn while the data
   * arrives, and it restores the workspace once the init has unpacked it. Resolves once the
   * workspace is in place; until then nobody can type (no connection opens before `running`).
   */
  function startSession(viewer: Viewer, sandboxId: string): Promise<void> {
    const s = entry(viewer, sandboxId)
    return new Promise<void>((resolve, reject) => {
      s.shell = startShell(s, viewer.sessionId, { resolve, reject })
      s.shell.catch((err: unknown) => {
        s.shell = null
        reject(err as Error)
      })
    })
  }

  async function open(viewer: Viewer, sandboxId: string, size: TerminalSize): Promise<Terminal> {
    const { sessionId } = viewer
    const s = entry(viewer, sandboxId)
    const fresh = s.recording === null
    s.recording ??= deps.recordings.start(sessionId, viewer.projectId, size)
    const recording = s.recording
    let shell = await shellOf(s, sessionId)
    if (!shell.alive) {
      s.shell = null
      shell = await shellOf(s, sessionId)
    }
    // what the shell showed before anyone watched belongs in the recording too
    if (fresh) for (const c of shell.recent) recording.output(c)
    shell.attached?.detach('the terminal was opened in another window')

    const output = new PassThrough({ highWaterMark: 64 * 1024 })
    let resolveEnded!: (why: string) => void
    const ended = new Promise<string>((r) => (resolveEnded = r))
    let closed = false
    // nobody is behind any more; the budget may still hold the output back
    const browserCaughtUp = () => {
      shell.pausedFor.delete('browser')
      if (shell.pausedFor.size === 0) shell.proc.stdout.resume()
    }
    const detach = (why: string) => {
      if (closed) return
      closed = true
      if (shell.attached?.output === output) shell.attached = null
      output.end()
      browserCaughtUp()
      resolveEnded(why)
    }
    output.on('drain', browserCaughtUp)
    // a replay of what was shown already: not counted again
    for (const c of shell.recent) output.write(c)
    const noticeListeners: ((n: PaceNotice) => void)[] = []
    let lastNotice = shell.pacer.current()
    shell.attached = {
      output,
      detach,
      notice: (n) => {
        lastNotice = n
        for (const l of noticeListeners) l(n)
      }
    }
    const proc = shell.proc
    const terminal: Terminal = {
      output,
      write(data) {
        if (closed) return
        recording.input(data)
        proc.stdin!.write(data)
        if (INTERRUPTS.test(data)) shell.pacer.interrupt()
      },
      async resize({ cols, rows }) {
        if (closed) return
        recording.resize(cols, rows)
        await proc.resize(cols, rows)
      },
      close: () => detach('closed'),
      ended,
      onNotice(listener) {
        noticeListeners.push(listener)
        if (lastNotice.state !== 'flowing') listener(lastNotice)
      }
    }
    await terminal.resize(size)
    return terminal
  }

  /** The session has ended: its connections close, its shell goes with the sandbox, its recording is closed. */
  async function end(sessionId: string): Promise<void> {
    const s = sessions.get(sessionId)
    if (s === undefined) return
    sessions.delete(sessionId)
    const shell = await s.shell?.catch(() => null)
    if (shell) {
      shell.pacer.dispose()
      shell.attached?.detach('the session ended')
      ;(shell.proc.stdin as unknown as { destroy?: () => void } | null)?.destroy?.()
    }
    await s.recording?.close()
  }

  /** Calls `listener` with the size of every chunk of output of every shell; returns the unsubscribe. */
  function onOutput(listener: (sessionId: string, bytes: number) => void): () => void {
    outputListeners.add(listener)
    return () => outputListeners.delete(listener)
  }

  return { startSession, open, end, onOutput }
}

export type TerminalService = ReturnType<typeof createTerminalService>
