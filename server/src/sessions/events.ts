import { EventEmitter } from 'node:events'
import type { SandboxSessionState } from '../store/types.js'

/** Where a starting session is: what the researcher sees instead of a blank spinner. */
export type StartStep =
  { step: 'sandbox' } | { step: 'data'; bytes: number; totalBytes: number } | { step: 'workspace' }

/** What a subscriber to a session hears: its state changed (read it again for the rest), or a start step. */
export type SessionChange = { kind: 'state'; state: SandboxSessionState } | ({ kind: 'progress' } & StartStep)

/** Every session's changes, with the session's id. */
export const ANY_SESSION = Symbol('any session')

/**
 * What sessions tell the rest of the gateway (terminals, the kernel, the display budget, the
 * browser's progress bar): each state change and each start step, per session and for all.
 */
export function createSessionEvents() {
  const changes = new EventEmitter()
  changes.setMaxListeners(0)
  /** the latest step of each session still starting, for subscribers who come late */
  const steps = new Map<string, StartStep>()

  function emit(id: string, change: SessionChange): void {
    changes.emit(id, change)
    changes.emit(ANY_SESSION, id, change)
  }

  /** Calls `listener` with the id of every session whose state change `pick` accepts. */
  function onState(pick: (state: SandboxSessionState) => boolean, listener: (id: string) => void): () => void {
    const onChange = (id: string, change: SessionChange) => {
      if (change.kind === 'state' && pick(change.state)) listener(id)
    }
    changes.on(ANY_SESSION, onChange)
    return () => changes.off(ANY_SESSION, onChange)
  }

  return {
    /** A session changed state; a session no longer starting has no step to report. */
    state(id: string, state: SandboxSessionState): void {
      if (state !== 'starting') steps.delete(id)
      emit(id, { kind: 'state', state })
    },
    progress(id: string, step: StartStep): void {
      steps.set(id, step)
      emit(id, { kind: 'progress', ...step })
    },
    /**
     * Calls `listener` on each change of session `id` (and at once with the current start step,
     * if it is starting) until the returned function is called.
     */
    subscribe(id: string, listener: (change: SessionChange) => void): () => void {
      changes.on(id, listener)
      const step = steps.get(id)
      if (step !== undefined) listener({ kind: 'progress', ...step })
      return () => changes.off(id, listener)
    },
    /**
     * Calls `listener` with the id of every session that leaves `starting` or `running` (its
     * terminals and kernel go with it) until the returned function is called.
     */
    onEnding: (listener: (id: string) => void) => onState((s) => s !== 'starting' && s !== 'running', listener),
    /** Calls `listener` with the id of every session that becomes `running`, until the returned function is called. */
    onRunning: (listener: (id: string) => void) => onState((s) => s === 'running', listener)
  }
}

export type SessionEvents = ReturnType<typeof createSessionEvents>
