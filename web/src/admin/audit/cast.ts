/** An asciicast v2 recording as the gateway writes it (terminal/recording.ts). */
export interface Cast {
  width: number
  height: number
  events: { at: number; kind: 'o' | 'i' | 'r'; data: string }[]
  duration: number
}

/** Parses asciicast v2 text; a line that is not an event is an error naming its number. */
export function parseCast(text: string): Cast {
  const lines = text.split('\n').filter((l) => l.trim() !== '')
  const header = JSON.parse(lines[0] ?? '{}') as { version?: number; width?: number; height?: number }
  if (header.version !== 2) throw new Error('not an asciicast v2 recording')
  const events = lines.slice(1).map((line, i) => {
    const e = JSON.parse(line) as unknown
    if (!Array.isArray(e) || typeof e[0] !== 'number' || !['o', 'i', 'r'].includes(e[1]) || typeof e[2] !== 'string') {
      throw new Error(`line ${i + 2} is not a recording event`)
    }
    return { at: e[0], kind: e[1] as 'o' | 'i' | 'r', data: e[2] }
  })
  return {
    width: header.width ?? 80,
    height: header.height ?? 24,
    events,
    duration: events.at(-1)?.at ?? 0
  }
}

/** "1:02:03" or "2:03" */
export function formatSeconds(s: number): string {
  const total = Math.floor(s)
  const h = Math.floor(total / 3600)
  const m = Math.floor((total % 3600) / 60)
  const sec = String(total % 60).padStart(2, '0')
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`
}
