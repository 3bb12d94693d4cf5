import { createHash } from 'node:crypto'
import { createGzip } from 'node:zlib'
import { pack } from 'tar-stream'
import type { AirlockFileRow, AirlockRequestDetail } from '../store/types.js'
import type { ReviewRules } from './gate.js'
import { checkForRequester } from './requester-view.js'
import { countedVotes, counts, inRound } from './tally.js'
import { voteForReader } from './visibility.js'

/**
 * The release package (SATRE 3.3.09): one .tar.gz holding the released files, a manifest of their
 * names, sizes and SHA-256, and a machine-readable record of the controls applied to them. What
 * the requester could not read in the airlock (reviewers' comments and acknowledgements meant for
 * reviewers, the checks' messages, which may quote other outputs) is not in it either.
 */

export const PACKAGE_FORMAT = 'vre-release/1'

export interface PackageInput {
  d: AirlockRequestDetail
  project: { id: string; title: string }
  rules: ReviewRules
  /** user id -> username */
  names: ReadonlyMap<string, string>
  /** the released files' bytes, read back and checked against their approved digests */
  bytes: ReadonlyMap<string, Buffer>
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex')

export function manifestOf(input: PackageInput) {
  const { d, project } = input
  return {
    format: PACKAGE_FORMAT,
    request: d.request.id,
    project,
    requester: input.names.get(d.request.requesterId) ?? 'unknown',
    releasedAt: d.request.releasedAt,
    files: released(d).map((f) => ({ name: f.name, path: `files/${f.name}`, size: f.size, sha256: f.sha256 }))
  }
}

const released = (d: AirlockRequestDetail): AirlockFileRow[] => inRound(d).files.filter((f) => f.state === 'released')

/** What was checked, asked, acknowledged and decided for each file of the released round, and when. */
export function controlsOf(input: PackageInput) {
  const { d, rules, names } = input
  const name = (id: string) => names.get(id) ?? 'unknown'
  const round = inRound(d)
  const first = round.files[0]
  return {
    format: PACKAGE_FORMAT,
    request: {
      id: d.request.id,
      direction: d.request.direction,
      project: input.project,
      requester: name(d.request.requesterId),
      round: d.request.round,
      createdAt: d.request.createdAt,
      releasedAt: d.request.releasedAt
    },
    // the policy the round's checks ran under, with its effective parameters
    policy: first?.policy ? { name: first.policy.name, version: first.policy.version } : null,
    parameters: first?.policy?.params ?? null,
    review: {
      reviewersRequired: rules.needed,
      exceptionRules: rules.exceptionRules,
      partialRelease: rules.partialRelease
    },
    files: round.files.map((f) => ({
      name: f.name,
      size: f.size,
      sha256: f.sha256,
      state: f.state,
      released: f.state === 'released',
      justification: f.justification,
      outcome: f.outcome,
      checks: (f.checks as Record<string, unknown>[]).map((c) => {
        const shown = checkForRequester(c)
        return {
          rule: shown.rule,
          outcome: shown.outcome,
          summary: shown.message,
          cells: Array.isArray(c.cells) ? c.cells : [],
          rows: Array.isArray(c.rows) ? c.rows : [],
          columns: Array.isArray(c.columns) ? c.columns : []
        }
      }),
      exceptions: d.exceptions
        .filter((e) => e.fileId === f.id)
        .map((e) => ({ rule: e.rule, reason: e.reason, requestedBy: name(e.requestedBy), requestedAt: e.requestedAt })),
      decisions: countedVotes(d, f).map((v) => ({
        reviewer: name(v.reviewerId),
        vote: v.vote,
        sha256: v.sha256,
        ...voteForReader(v, 'requester'),
        votedAt: v.updatedAt,
        submittedAt: round.reviews.find((r) => r.reviewerId === v.reviewerId)?.submittedAt ?? null,
        settling: round.reviews.find((r) => r.reviewerId === v.reviewerId)?.kind === 'settle'
      }))
    })),
    // a review set aside (its reviewer stopped counting) is named as such: only its vetoes stood
    reviewers: round.reviews.map((r) => ({
      reviewer: name(r.reviewerId),
      kind: r.kind,
      submittedAt: r.submittedAt,
      ...(counts(r) ? {} : { setAside: true })
    })),
    earlierRounds: [...new Set(d.reviews.map((r) => r.round))]
      .filter((n) => n !== d.request.round)
      .map((n) => ({
        round: n,
        files: inRound(d, n).files.map((f) => ({ name: f.name, sha256: f.sha256, state: f.state })),
        reviewers: inRound(d, n).reviews.map((r) => ({ reviewer: name(r.reviewerId), submittedAt: r.submittedAt }))
      }))
  }
}

/** The package as bytes: `release-<id>/manifest.json`, `controls.json` and `files/<name>` for each released file. */
export async function buildPackage(input: PackageInput): Promise<{ name: string; bytes: Buffer }> {
  const top = `release-${input.d.request.id}`
  const mtime = new Date(input.d.request.releasedAt ?? input.d.request.updatedAt)
  const p = pack()
  const add = (path: string, content: Buffer) =>
    new Promise<void>((resolve, reject) =>
      p.entry({ name: `${top}/${path}`, size: content.length, mode: 0o644, mtime }, content, (err) =>
        err ? reject(err) : resolve()
      )
    )
  const gzip = createGzip()
  const chunks: Buffer[] = []
  const done = new Promise<void>((resolve, reject) => {
    gzip.on('data', (c: Buffer) => chunks.push(c))
    gzip.on('end', resolve)
    gzip.on('error', reject)
    p.on('error', reject)
  })
  p.pipe(gzip)
  for (const f of released(input.d)) {
    const bytes = input.bytes.get(f.id)
    // the caller read each one back; a file missing here would be a package that lies
    if (bytes === undefined || sha256(bytes) !== f.sha256) throw new Error(`${f.name} is not the approved bytes`)
    await add(`files/${f.name}`, bytes)
  }
  await add('manifest.json', Buffer.from(`${JSON.stringify(manifestOf(input), null, 2)}\n`))
  await add('controls.json', Buffer.from(`${JSON.stringify(controlsOf(input), null, 2)}\n`))
  p.finalize()
  await done
  return { name: `${top}.tar.gz`, bytes: Buffer.concat(chunks) }
}
