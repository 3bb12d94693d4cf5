import { randomBytes } from 'node:crypto'

/** Who a terminal ticket lets in, and where. */
export interface TerminalTicket {
  userId: string
  /** the sign-in it was issued under: signing out closes the terminal */
  signInId: string
  sessionId: string
  expiresAt: number
}

/**
 * Single-use, short-lived tickets for the terminal WebSocket: a browser cannot put an
 * Authorization header on a WebSocket, and an access token must never sit in a URL. A ticket is
 * 32 random bytes, bound to one user, sign-in and session, kept only in this process's memory, and
 * gone at its first use, right or wrong.
 */
export class TicketBook {
  private readonly tickets = new Map<string, TerminalTicket>()

  constructor(
    private readonly now: () => number,
    readonly ttlMs = 60_000
  ) {}

  issue(grant: Omit<TerminalTicket, 'expiresAt'>): { ticket: string; expiresAt: Date } {
    this.sweep()
    const ticket = randomBytes(32).toString('base64url')
    const expiresAt = this.now() + this.ttlMs
    this.tickets.set(ticket, { ...grant, expiresAt })
    return { ticket, expiresAt: new Date(expiresAt) }
  }

  /** The ticket's grant if it is live and for `sessionId`; either way it can't be used again. */
  redeem(ticket: string, sessionId: string): TerminalTicket | { refused: string } {
    const grant = this.tickets.get(ticket)
    this.tickets.delete(ticket)
    if (grant === undefined) return { refused: 'unknown or already used ticket' }
    if (grant.expiresAt <= this.now()) return { refused: 'expired ticket' }
    if (grant.sessionId !== sessionId) return { refused: 'ticket for another session' }
    return grant
  }

  private sweep(): void {
    const at = this.now()
    for (const [t, g] of this.tickets) if (g.expiresAt <= at) this.tickets.delete(t)
  }
}
