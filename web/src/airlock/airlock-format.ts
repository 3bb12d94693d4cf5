import type {
  AirlockFileState,
  CheckOutcome,
  ExportFileView,
  ExportRequestView,
  ExportState,
  RuleResult
} from '../api/types'

/** The server's limits (server/src/airlock/rounds.ts, core.ts): checked here too, to say so before sending. */
export const MAX_FILES = 20
export const MAX_JUSTIFICATION = 4000

/** Badge colour per request state (classes of styles.css). */
export const STATE_BADGE: Record<ExportState, string> = {
  draft: 'neutral',
  submitted: 'info',
  in_review: 'info',
  returned: 'caution',
  approved: 'ok',
  released: 'ok',
  rejected: 'danger',
  withdrawn: 'neutral'
}

/** Badge colour per file state. */
export const FILE_STATE_BADGE: Record<AirlockFileState, string> = {
  pending: 'neutral',
  approved: 'ok',
  returned: 'caution',
  rejected: 'danger',
  conflicted: 'caution',
  released: 'ok'
}

export const OUTCOME_BADGE: Record<CheckOutcome, string> = { pass: 'ok', review: 'caution', fail: 'danger' }

const RANK: Record<CheckOutcome, number> = { fail: 0, review: 1, pass: 2 }

/** Failing results first, then those for review, then the passes; the checker's order within each. */
export function sortChecks(checks: readonly RuleResult[]): RuleResult[] {
  return checks
    .map((c, i) => ({ c, i }))
    .sort((a, b) => RANK[a.c.outcome] - RANK[b.c.outcome] || a.i - b.i)
    .map((x) => x.c)
}

/** The request's files of one round: failing ones first, then those for review, each in the order submitted. */
export function filesOfRound(request: ExportRequestView, round: number): ExportFileView[] {
  return request.files
    .map((f, i) => ({ f, i }))
    .filter(({ f }) => f.round === round)
    .sort((a, b) => RANK[a.f.outcome] - RANK[b.f.outcome] || a.i - b.i)
    .map(({ f }) => f)
}

/** States the requester may still withdraw from: nothing has been decided for good. */
export function canWithdraw(state: ExportState): boolean {
  return state === 'draft' || state === 'submitted' || state === 'in_review' || state === 'returned'
}

/** States a request rests in: nothing more will happen to it. */
export function isFinal(state: ExportState): boolean {
  return state === 'released' || state === 'rejected' || state === 'withdrawn'
}

export type PreviewKind = 'table' | 'image' | 'text' | 'archive' | 'pdf' | 'none'

/** Shown as plain text: outputs (TXT, MD, JSON) and, for an import, code and configuration. */
const TEXT = new Set(['txt', 'md', 'json', 'py', 'r', 'sql', 'sh', 'yaml', 'yml', 'toml'])

/** How a file is shown to its reviewer, by its name. */
export function previewKind(name: string): PreviewKind {
  const lower = name.toLowerCase()
  if (lower.endsWith('.zip') || lower.endsWith('.tar.gz') || lower.endsWith('.tgz')) return 'archive'
  const ext = extension(name)
  if (ext === 'csv' || ext === 'tsv') return 'table'
  if (ext === 'png' || ext === 'jpg' || ext === 'jpeg') return 'image'
  if (TEXT.has(ext)) return 'text'
  if (ext === 'pdf') return 'pdf'
  return 'none'
}

export function extension(name: string): string {
  const dot = name.lastIndexOf('.')
  return dot <= 0 ? '' : name.slice(dot + 1).toLowerCase()
}

/** A short, stable handle for a request when there is nothing better to call it by. */
export function shortId(id: string): string {
  return id.slice(0, 8)
}

/** "by-age.csv", "by-age.csv + 2": what a request is about, from its current round's files. */
export function requestLabel(request: ExportRequestView, more: (n: number) => string): string {
  // the first file submitted, whatever the checks found: the label stays the same from round to round
  const files = request.files.filter((f) => f.round === request.round)
  if (files.length === 0) return shortId(request.id)
  return files.length === 1 ? files[0]!.name : `${files[0]!.name} ${more(files.length - 1)}`
}

/**
 * Saves a released file the way a browser saves a download: through a temporary object URL and an
 * <a download>. The one place in the app where anything is downloaded.
 */
export function saveBlob(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob)
  const a = document.createElement('a')
  a.href = url
  a.download = name
  a.rel = 'noopener'
  document.body.append(a)
  try {
    a.click()
  } finally {
    a.remove()
    // the click starts the download asynchronously; the URL must live until it has
    setTimeout(() => URL.revokeObjectURL(url), 60_000)
  }
}

/** The first bytes of a PNG or a JPEG, or null for anything else. */
export function imageMime(bytes: Uint8Array): 'image/png' | 'image/jpeg' | null {
  const png = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]
  if (png.every((b, i) => bytes[i] === b)) return 'image/png'
  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'image/jpeg'
  return null
}
