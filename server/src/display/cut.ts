import type { CellOutput } from '../notebook/kernel-service.js'

/**
 * Put where a cell's outputs were cut: what was held back, and what the budget allows now. The
 * cell ran in full; its results stay in the sandbox, and large ones leave as files through the
 * airlock.
 */
export interface DisplayCut {
  type: 'display-cut'
  heldBackBytes: number
  availableBytes: number
  bytesPerMinute: number
}

/** What the display budget offers a cut: some bytes of a text, or a whole row or image. */
export interface CutBudget {
  take(bytes: number): number
  takeWhole(bytes: number): boolean
}

/** A piece of what was shown, for the monitor: text, or the decoded bytes of an image. */
export interface ShownPiece {
  content: Buffer
  binary: boolean
}

const utf8 = (s: string) => Buffer.byteLength(s, 'utf8')

/** The longest start of `text` within `bytes` bytes of UTF-8, never splitting a character. */
export function utf8Prefix(text: string, bytes: number): string {
  const b = Buffer.from(text, 'utf8')
  if (b.length <= bytes) return text
  let end = bytes
  while (end > 0 && (b[end]! & 0xc0) === 0x80) end--
  return b.subarray(0, end).toString('utf8')
}

/** A text cut to what the budget allows now: the shown start, and how many bytes were held back. */
export function cutText(text: string, budget: CutBudget): { text: string; heldBack: number } {
  const size = utf8(text)
  const got = budget.take(size)
  if (got >= size) return { text, heldBack: 0 }
  const shown = utf8Prefix(text, got)
  return { text: shown, heldBack: size - utf8(shown) }
}

/** Bytes of a value as it goes to the browser, as JSON. */
const json = (v: unknown) => Buffer.byteLength(JSON.stringify(v), 'utf8')

/** What an output costs: every byte of it as sent (the kernel's fields are checked before, see notebook/outputs.ts). */
export const sizeOf = (o: CellOutput): number => json(o) + 1

/** The longest start of `text` whose output, as JSON, costs at most `room` bytes. */
function fitting(make: (t: string) => CellOutput, text: string, room: number): string {
  let bytes = Math.max(0, room - sizeOf(make('')))
  let t = utf8Prefix(text, bytes)
  // escapes (a control character takes six bytes as JSON) can make it longer than its UTF-8
  while (t !== '' && sizeOf(make(t)) > room) {
    bytes = Math.floor(bytes * 0.9)
    t = utf8Prefix(text, bytes)
  }
  return t
}

/**
 * A cell's outputs, in order, as far as the display budget allows, each counted as it is sent:
 * text is cut at a character, a table at a row (its row count still says how many exist), an
 * image is shown whole or not at all. Once something is cut, everything after it is held back
 * too, so what is shown is a prefix.
 */
export function cutCellOutputs(
  outputs: CellOutput[],
  budget: CutBudget
): { outputs: CellOutput[]; heldBack: number; shown: ShownPiece[] } {
  const kept: CellOutput[] = []
  const shown: ShownPiece[] = []
  let heldBack = 0
  const show = (o: CellOutput, t: string) => {
    kept.push(o)
    shown.push({ content: Buffer.from(t, 'utf8'), binary: false })
  }
  for (const o of outputs) {
    const whole = sizeOf(o)
    if (heldBack > 0) {
      heldBack += whole
      continue
    }
    switch (o.type) {
      case 'stream':
      case 'text': {
        const got = budget.take(whole)
        if (got === whole) show(o, o.text)
        else {
          const t = fitting((text) => ({ ...o, text }), o.text, got)
          if (t !== '') show({ ...o, text: t }, t)
          heldBack += whole - (t === '' ? 0 : sizeOf({ ...o, text: t }))
        }
        break
      }
      case 'error': {
        const got = budget.take(whole)
        if (got === whole) {
          show(o, [o.ename, o.evalue, ...(o.traceback ?? [])].join('\n'))
          break
        }
        // the name and message first, then as many lines of the traceback as fit
        const evalue = fitting((v) => ({ type: 'error', ename: o.ename, evalue: v, traceback: [] }), o.evalue, got)
        const lines: string[] = []
        const cut = (): CellOutput => ({ type: 'error', ename: o.ename, evalue, traceback: [...lines] })
        for (const line of o.traceback ?? []) {
          if (evalue !== o.evalue) break
          lines.push(line)
          if (sizeOf(cut()) > got) {
            lines.pop()
            break
          }
        }
        const kept1 = cut()
        if (sizeOf(kept1) <= got) {
          show(kept1, [o.ename, evalue, ...lines].join('\n'))
          heldBack += whole - sizeOf(kept1)
        } else heldBack += whole
        break
      }
      case 'table': {
        if (!budget.takeWhole(sizeOf({ ...o, rows: [] }))) {
          heldBack += whole
          break
        }
        const rows: unknown[][] = []
        let texts = JSON.stringify(o.columns)
        for (const row of o.rows) {
          const r = JSON.stringify(row)
          const cost = Buffer.byteLength(r, 'utf8') + 1
          if (heldBack > 0 || !budget.takeWhole(cost)) {
            heldBack += cost
            continue
          }
          rows.push(row)
          texts += `\n${r}`
        }
        kept.push(rows.length === o.rows.length ? o : { ...o, rows, truncated: true })
        shown.push({ content: Buffer.from(texts, 'utf8'), binary: false })
        break
      }
      case 'image':
        if (budget.takeWhole(whole)) {
          kept.push(o)
          shown.push({ content: Buffer.from(o.data, 'base64'), binary: true })
        } else heldBack += whole
        break
    }
  }
  return { outputs: kept, heldBack, shown }
}

/**
 * A notebook's text as the monitor should look at it: the images' base64 decoded and apart (a
 * figure is encoded by nature, and only its bytes can hold the project's data), the rest as text.
 */
export function notebookPieces(content: string): ShownPiece[] {
  let nb: unknown
  try {
    nb = JSON.parse(content)
  } catch {
    return [{ content: Buffer.from(content, 'utf8'), binary: false }]
  }
  const images: Buffer[] = []
  const strip = (v: unknown, key: string): unknown => {
    if (typeof key === 'string' && key.startsWith('image/') && key !== 'image/svg+xml') {
      const data = Array.isArray(v) ? v.join('') : typeof v === 'string' ? v : ''
      images.push(Buffer.from(data.replace(/\s+/g, ''), 'base64'))
      return '[image]'
    }
    if (Array.isArray(v)) return v.map((x) => strip(x, ''))
    if (v !== null && typeof v === 'object') {
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, strip(x, k)]))
    }
    return v
  }
  const text = JSON.stringify(strip(nb, ''))
  return [{ content: Buffer.from(text, 'utf8'), binary: false }, ...images.map((b) => ({ content: b, binary: true }))]
}
