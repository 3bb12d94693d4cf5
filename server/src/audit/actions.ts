/**
 * The audit log's vocabulary: every action the gateway records, grouped by the capability that
 * records it, each with what happened and who acts. An action outside it fails typecheck where it
 * is written and is refused where records are appended (record.ts), so the log says only things a
 * reader can look up here. A search may still name a family (`export`): the prefix before the dot.
 */

/** The two ways through the airlock: outputs leaving a project, files coming into one. */
export const DIRECTIONS = ['export', 'import'] as const
export type Direction = (typeof DIRECTIONS)[number]

/**
 * What happens to an airlock request or one of its files, recorded as `<direction>.<move>`
 * (`export.submit`, `import.file_release`); the moves themselves are airlock/gate.ts's tables.
 */
const AIRLOCK_MOVES = {
  submit: 'a requester submitted a new request with its files (refusals are recorded too)',
  withdraw: 'the requester withdrew their request before it was decided',
  resubmit: 'the requester sent a returned request again with a new round of files',
  exception: 'the requester asked an exception to a failed check for a file (refusals are recorded too)',
  approve: "the round's reviews (or a settling reviewer) approved the request",
  return: "the round's reviews (or a settling reviewer) returned the request to its requester for changes",
  reject: "the round's reviews (or a settling reviewer) rejected the request",
  release: 'the gateway released an approved request after reading its bytes back unchanged',
  reopen: 'the gateway put an approved request back in review: votes that decided it stopped counting',
  file_approve: "a file's votes approved it",
  file_return: "a file's votes returned it",
  file_reject: "a file's votes rejected it",
  file_conflict: "a file's votes disagree: a further reviewer must settle it",
  file_settle: 'a settling reviewer decided a conflicted file',
  file_release: 'the gateway released an approved file',
  file_reopen: 'the gateway made a decided file undecided again: votes that decided it stopped counting'
} as const

export type AirlockMoveName = keyof typeof AIRLOCK_MOVES
export type AirlockMoveAction = `${Direction}.${AirlockMoveName}`

/** Every other action, by the capability that records it. */
const BY_CAPABILITY = {
  gateway: {
    'gateway.start': 'the gateway process started (system)',
    'gateway.stop': 'the gateway process stopped on a signal (system)',
    'monitoring.degraded': 'the session monitor runs without a dataset it could not read (system)',
    'alert.raised': 'the session monitor raised an alert, or ended a session, on a rule (system)'
  },
  auth: {
    'auth.login': 'someone tried to sign in; the actor is the username tried when it is unknown',
    'auth.refresh': 'a signed-in person renewed their access token (or was refused)',
    'auth.refresh.reuse_detected': 'a refresh token was used twice: the whole sign-in was revoked',
    'auth.logout': 'a person signed out',
    'auth.token': 'an access token was refused on a request',
    'access.denied': 'a signed-in person was refused a route their roles do not allow'
  },
  enrolment: {
    'user.enrol_open': 'a person opened their enrolment link and was shown a new authenticator seed',
    'user.enrol': 'a person set their password and authenticator through their link (or was refused)',
    'user.credentials_change_open': 'a signed-in person asked for a new authenticator secret to replace theirs',
    'user.credentials_change': 'a signed-in person replaced their own password and authenticator'
  },
  identity: {
    'user.create': 'an administrator created an account (or asked a second one to approve it)',
    'user.update': "an administrator changed an account's name, roles or organization",
    'user.suspend': 'an administrator suspended an account',
    'user.reinstate': 'an administrator reinstated a suspended account',
    'user.credentials_reset': "an administrator took an account's credentials away and issued a new enrolment link",
    'organization.create': 'an administrator created an organization',
    'organization.rename': 'an administrator renamed an organization',
    'organization.suspend': 'an administrator suspended an organization',
    'organization.reinstate': 'an administrator reinstated an organization',
    'certification.set': "an administrator recorded an organization's certification",
    'project.create': 'an administrator created a project',
    'project.update': "an administrator changed a project's title or dates",
    'project.member_add': 'an administrator added a researcher to a project',
    'project.member_remove': 'an administrator removed a researcher from a project',
    'project.dataset_grant': 'an administrator (or the command line) granted a project a dataset',
    'project.dataset_revoke': 'an administrator took a dataset from a project',
    'project.reviewer_assign': 'an administrator assigned a reviewer to a project',
    'project.reviewer_unassign': 'an administrator unassigned a reviewer from a project'
  },
  policy: {
    'policy.import': 'a policy file was imported at boot or from the command line',
    'policy.update': 'an administrator changed a policy (or asked a second one to approve a weakening)',
    'project.policy': 'an administrator chose the policy a project runs under (or asked approval for it)'
  },
  approvals: {
    'approval.request': 'an administrator asked a second administrator to approve a change',
    'approval.approve': 'a second administrator approved a change, which was applied',
    'approval.refuse': 'a second administrator refused a change (or it was refused as stale)',
    'approval.withdraw': 'the asking administrator withdrew their change'
  },
  datasets: {
    'dataset.ingest': 'the command line ingested a dataset from its source files',
    'dataset.create': 'a dataset was registered (command line or demo seed)',
    'dataset.file': 'a file of a dataset was registered with its digest',
    'catalog.read': "a researcher was refused a project's catalog"
  },
  sessions: {
    'session.start': 'a researcher asked for a sandbox session',
    'session.running': 'the sandbox of a session started (system)',
    'session.failed': 'a session could not start or its sandbox failed (system)',
    'session.stop': 'a researcher (or the gateway) asked a session to end',
    'session.stopped': 'a session ended and its sandbox was removed (system)',
    'session.adopted': 'after a restart the gateway took back a sandbox still running (system)',
    'session.claimed': 'a starting session claimed a sandbox started ahead for its project (system)',
    'pool.started': 'the gateway started a sandbox ahead for a project, nobody\'s until claimed (system)',
    'pool.removed': 'the gateway removed an unclaimed sandbox started ahead (system)',
    'session.limits.request': 'an administrator asked to change the limits of a running session',
    'session.limits': 'the engine applied new limits to a running session',
    'sandbox.limit': 'a sandbox hit its process or memory limit (system)',
    'sandbox.orphan_removed': 'the gateway removed a sandbox no session owns (system)',
    'sandbox.expired_removed': 'the gateway removed a sandbox past its deadline (system)',
    'workspace.save': "a session's workspace was saved at its end (system)",
    'workspace.wipe': "a project's saved workspaces were wiped after their retention (system)",
    'recording.closed': "a part of a session's screen recording was closed with its digest (system)"
  },
  workspace: {
    'cell.run': 'a researcher ran a cell against the data',
    'cell.export': "a researcher sent a cell's result to the outbox",
    'kernel.interrupt': "a researcher interrupted their kernel's running cell",
    'kernel.restart': 'a researcher restarted their kernel',
    'terminal.open': 'a researcher opened the terminal of their session',
    'terminal.close': "a researcher's terminal closed",
    'file.list': 'a researcher was refused the list of their workspace files',
    'file.folder': 'a researcher made a folder in their workspace',
    'file.move': 'a researcher moved or renamed a workspace file',
    'file.delete': 'a researcher deleted a workspace file',
    'file.outbox': 'a researcher put a workspace file in the outbox',
    'file.open': 'a researcher opened a workspace file',
    'file.save': 'a researcher saved a workspace file'
  },
  airlock: {
    'export.download': 'a requester downloaded a released file (or was refused)',
    'export.package': "a requester downloaded a released request's package (or was refused)",
    'review.open': 'a reviewer opened a submitted request for review',
    'review.preview': "a reviewer read a file's bytes, counted against their daily allowance",
    'review.excerpt': 'a reviewer read an excerpt of a file, counted against their daily allowance',
    'review.vote': 'a reviewer voted on a file',
    'review.submit': 'a reviewer submitted their review of a round',
    'review.settle': 'a settling reviewer submitted their decision on conflicted files',
    'review.void': 'the votes of a reviewer no longer independent of a request were dropped',
    'quarantine.remove': "a request's files were removed from quarantine",
    'quarantine.sweep': 'the gateway deleted quarantined files past their retention (system)'
  },
  keys: {
    'key.destroyed':
      'a data key was destroyed in the key provider: what it protected can never be decrypted again (system or command line)',
    'project.erased':
      "an ended project's data was erased after its retention: its keys destroyed, then its files deleted (system)",
    'keys.rotated':
      'every live data key was wrapped again under a new key-encryption key, the old ones destroyed (command line)',
    'data.encrypted':
      'a plaintext data directory was encrypted in place and its key files moved into the key provider (command line)'
  },
  audit: {
    'audit.search': 'an auditor searched the audit log',
    'audit.verify': "an auditor verified the audit log's chain and checkpoints",
    'audit.export': 'an auditor exported a range of the audit log',
    'recording.view': "an auditor watched a session's screen recording",
    'data-operations.view': "an auditor read a session's data operations log"
  }
} as const satisfies Record<string, Record<string, string>>

type Capability = keyof typeof BY_CAPABILITY

/** An action the audit log records: one of the vocabulary, never a free string. */
export type AuditAction = { [C in Capability]: keyof (typeof BY_CAPABILITY)[C] }[Capability] | AirlockMoveAction

/** One entry of the vocabulary, for readers and for the guard. */
export interface AuditActionEntry {
  action: AuditAction
  capability: Capability | 'airlock-moves'
  meaning: string
}

/** The whole vocabulary, flattened: the fixed actions, then the airlock's moves in both directions. */
export const AUDIT_ACTIONS: readonly AuditActionEntry[] = [
  ...Object.entries(BY_CAPABILITY).flatMap(([capability, actions]) =>
    Object.entries(actions).map(([action, meaning]) => ({
      action: action as AuditAction,
      capability: capability as Capability,
      meaning
    }))
  ),
  ...DIRECTIONS.flatMap((direction) =>
    Object.entries(AIRLOCK_MOVES).map(([move, meaning]) => ({
      action: `${direction}.${move}` as AirlockMoveAction,
      capability: 'airlock-moves' as const,
      meaning: `${direction}: ${meaning}`
    }))
  )
]

const KNOWN: ReadonlySet<string> = new Set(AUDIT_ACTIONS.map((a) => a.action))

export function isAuditAction(action: unknown): action is AuditAction {
  return typeof action === 'string' && KNOWN.has(action)
}

/** The action of an airlock move in `direction`: typed, so a move the vocabulary lacks fails typecheck. */
export function airlockMove(direction: Direction, move: AirlockMoveName): AirlockMoveAction {
  return `${direction}.${move}`
}
