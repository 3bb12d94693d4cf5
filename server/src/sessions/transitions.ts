import type { SandboxSessionState } from '../store/types.js'

/** The only ways a session's state may change. */
export const VALID_TRANSITIONS: Readonly<Record<SandboxSessionState, readonly SandboxSessionState[]>> = {
  starting: ['running', 'stopping', 'failed'],
  running: ['stopping', 'failed'],
  stopping: ['stopped', 'failed'],
  stopped: [],
  failed: []
}

export class InvalidTransition extends Error {
  override name = 'InvalidTransition'
}

export function checkTransition(from: SandboxSessionState, to: SandboxSessionState): void {
  if (!VALID_TRANSITIONS[from].includes(to)) {
    throw new InvalidTransition(`cannot change a session from ${from} to ${to}`)
  }
}

/** The states a session may be in when it moves to `to`. */
export function statesBefore(to: SandboxSessionState): SandboxSessionState[] {
  return (Object.keys(VALID_TRANSITIONS) as SandboxSessionState[]).filter((s) => VALID_TRANSITIONS[s].includes(to))
}

export const LIVE_STATES: SandboxSessionState[] = ['starting', 'running', 'stopping']
