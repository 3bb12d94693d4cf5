// A plain line diff for a reviewer comparing one round's version of a file with the round before.

export type DiffLine = { kind: 'same' | 'added' | 'removed'; text: string }

/**
 * Past this many cells in the comparison table (two bytes each: about 4,000 by 4,000 changed lines),
 * the changed middle is shown as removed then added.
 */
const MAX_CELLS = 16_000_000

/** Lines of `text`, split on LF or CRLF, without the empty one after a final newline. */
export function splitLines(text: string): string[] {
  const lines = text.split(/\r?\n/)
  if (lines.at(-1) === '') lines.pop()
  return lines
}

/**
 * The lines of `before` and `after` as kept, removed and added (a longest common subsequence of the
 * part between the common first and last lines).
 */
export function lineDiff(before: string[], after: string[]): DiffLine[] {
  let start = 0
  while (start < before.length && start < after.length && before[start] === after[start]) start++
  let endA = before.length
  let endB = after.length
  while (endA > start && endB > start && before[endA - 1] === after[endB - 1]) {
    endA--
    endB--
  }
  const head: DiffLine[] = before.slice(0, start).map((text) => ({ kind: 'same', text }))
  const tail: DiffLine[] = before.slice(endA).map((text) => ({ kind: 'same', text }))
  const a = before.slice(start, endA)
  const b = after.slice(start, endB)
  return [...head, ...middle(a, b), ...tail]
}

function middle(a: string[], b: string[]): DiffLine[] {
  const removed = (text: string): DiffLine => ({ kind: 'removed', text })
  const added = (text: string): DiffLine => ({ kind: 'added', text })
  if (
    a.length === 0 ||
    b.length === 0 ||
    (a.length + 1) * (b.length + 1) > MAX_CELLS ||
    Math.min(a.length, b.length) >= 65_535
  ) {
    return [...a.map(removed), ...b.map(added)]
  }
  // lcs[i][j]: the longest common subsequence of a[i..] and b[j..], in one flat array
  const w = b.length + 1
  // lengths fit in 16 bits: the table is at most MAX_CELLS, so neither side reaches 65,536 lines
  const lcs = new Uint16Array((a.length + 1) * w)
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      lcs[i * w + j] =
        a[i] === b[j] ? lcs[(i + 1) * w + j + 1]! + 1 : Math.max(lcs[(i + 1) * w + j]!, lcs[i * w + j + 1]!)
    }
  }
  const out: DiffLine[] = []
  let i = 0
  let j = 0
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      out.push({ kind: 'same', text: a[i]! })
      i++
      j++
    } else if (lcs[(i + 1) * w + j]! >= lcs[i * w + j + 1]!) out.push(removed(a[i++]!))
    else out.push(added(b[j++]!))
  }
  while (i < a.length) out.push(removed(a[i++]!))
  while (j < b.length) out.push(added(b[j++]!))
  return out
}

/** A run of unchanged lines left out of the shown diff. */
export type DiffHunkLine = DiffLine | { kind: 'skipped'; count: number }

/** The changed lines with `context` unchanged lines around each change; longer unchanged runs are folded. */
export function withContext(lines: DiffLine[], context = 2): DiffHunkLine[] {
  const keep = new Uint8Array(lines.length)
  lines.forEach((l, i) => {
    if (l.kind === 'same') return
    for (let k = Math.max(0, i - context); k <= Math.min(lines.length - 1, i + context); k++) keep[k] = 1
  })
  const out: DiffHunkLine[] = []
  let skipped = 0
  lines.forEach((l, i) => {
    if (keep[i] === 1) {
      if (skipped > 0) out.push({ kind: 'skipped', count: skipped })
      skipped = 0
      out.push(l)
    } else skipped++
  })
  if (skipped > 0) out.push({ kind: 'skipped', count: skipped })
  return out
}
