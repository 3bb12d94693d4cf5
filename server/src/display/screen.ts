import type { CellOutput } from '../notebook/kernel-service.js'
import { cutCellOutputs, cutText, type DisplayCut, notebookPieces, type ShownPiece, utf8Prefix } from './cut.js'
import type { DisplayChannel, DisplayService, Viewer } from './display-service.js'

/** The session a route serves, as the display budget knows it. */
export const viewerOf = (s: { id: string; projectId: string; userId: string }): Viewer => ({
  sessionId: s.id,
  projectId: s.projectId,
  userId: s.userId
})

function tell(display: DisplayService, v: Viewer, channel: DisplayChannel, pieces: ShownPiece[]): void {
  for (const p of pieces) display.shown(v, channel, p.content, p.binary)
}

function marker(display: DisplayService, v: Viewer, heldBackBytes: number): DisplayCut {
  const status = display.status(v)
  return {
    type: 'display-cut',
    heldBackBytes,
    availableBytes: status.available,
    bytesPerMinute: status.limits.bytesPerMinute
  }
}

/**
 * A cell's outputs as they may reach the screen: within the session's display budget, with a
 * `display-cut` marker last when something was held back. The monitor is told what was shown.
 */
export function showCellOutputs(display: DisplayService, v: Viewer, outputs: CellOutput[]): Record<string, unknown>[] {
  const cut = cutCellOutputs(outputs, {
    take: (n) => display.take(v, n),
    takeWhole: (n) => display.takeWhole(v, n)
  })
  tell(display, v, 'cell', cut.shown)
  const shown = cut.outputs as unknown as Record<string, unknown>[]
  return cut.heldBack > 0 ? [...shown, marker(display, v, cut.heldBack) as unknown as Record<string, unknown>] : shown
}

/**
 * A workspace file's text as it may reach the screen. A notebook is shown whole or not at all (a
 * part of one cannot be opened); other text up to what the budget allows. `cut` says what was
 * held back; a cut file must not be saved over the whole one.
 */
export function showFileText(
  display: DisplayService,
  v: Viewer,
  path: string,
  content: string
): { content: string; cut: DisplayCut | null } {
  const notebook = path.toLowerCase().endsWith('.ipynb')
  let shown: string
  let heldBack: number
  if (notebook) {
    const size = Buffer.byteLength(content, 'utf8')
    const fits = display.takeWhole(v, size)
    shown = fits ? content : ''
    heldBack = fits ? 0 : size
    if (fits) tell(display, v, 'file', notebookPieces(content))
  } else {
    const c = cutText(content, { take: (n) => display.take(v, n), takeWhole: (n) => display.takeWhole(v, n) })
    shown = c.text
    heldBack = c.heldBack
    tell(display, v, 'file', [{ content: Buffer.from(shown, 'utf8'), binary: false }])
  }
  return { content: shown, cut: heldBack > 0 ? marker(display, v, heldBack) : null }
}

/** Names in a listing are sandbox content too: as many entries as the budget allows, in order. */
export function showListing<T extends { path: string }>(
  display: DisplayService,
  v: Viewer,
  entries: T[]
): { entries: T[]; cut: boolean } {
  const kept: T[] = []
  for (const e of entries) {
    // the path and a few bytes for the size, type and time around it
    if (!display.takeWhole(v, Buffer.byteLength(e.path, 'utf8') + 32)) break
    kept.push(e)
  }
  tell(display, v, 'listing', [{ content: Buffer.from(kept.map((e) => e.path).join('\n'), 'utf8'), binary: false }])
  return { entries: kept, cut: kept.length < entries.length }
}

/** The most of a sandbox's text an answer quotes (a kernel's error message). */
const QUOTE_MAX = 300

/**
 * Text from inside the sandbox quoted in an answer, such as a kernel's error: at most QUOTE_MAX
 * characters, and no more than the display budget allows now. Errors are a way to the screen too:
 * a query's error message can be made to hold a table.
 */
export function quoteSandboxText(display: DisplayService, v: Viewer, text: string): string {
  const capped = text.length > QUOTE_MAX ? `${utf8Prefix(text.slice(0, QUOTE_MAX), QUOTE_MAX * 4)}…` : text
  const c = cutText(capped, { take: (n) => display.take(v, n), takeWhole: (n) => display.takeWhole(v, n) })
  tell(display, v, 'cell', [{ content: Buffer.from(c.text, 'utf8'), binary: false }])
  return c.heldBack > 0 ? `${c.text}… (the rest is held back by the display budget)` : c.text
}
