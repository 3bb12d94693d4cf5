import WebSocket from 'ws'

/** A terminal WebSocket as a test drives it: what it received, and helpers to type and wait. */
export interface TerminalClient {
  ws: WebSocket
  /** every output byte so far, as text */
  output(): string
  bytes(): number
  /** control messages (closed, with a reason) */
  control: Record<string, unknown>[]
  type(data: string): void
  ack(bytes: number): void
  resize(cols: number, rows: number): void
  waitFor(pattern: RegExp, ms?: number): Promise<void>
  closed: Promise<{ code: number; reason: string }>
}

/**
 * Opens `GET /api/v1/sessions/:id/terminal?ticket=` from `origin`. Resolves with the client once
 * upgraded, or with the HTTP status and body when the gateway refuses before the upgrade. With
 * `keepBytes`, `output()` holds only about the last that many bytes (a long flood, counted whole by
 * `bytes()`, would not fit in memory).
 */
export function openTerminal(
  baseUrl: string,
  sessionId: string,
  ticket: string,
  origin: string | null = baseUrl,
  size = { cols: 100, rows: 30 },
  { keepBytes = Infinity }: { keepBytes?: number } = {}
): Promise<TerminalClient | { status: number; body: string }> {
  const url = `${baseUrl.replace(/^http/, 'ws')}/api/v1/sessions/${sessionId}/terminal?ticket=${encodeURIComponent(ticket)}&cols=${size.cols}&rows=${size.rows}`
  const ws = new WebSocket(url, origin === null ? {} : { origin })
  const chunks: Buffer[] = []
  const control: Record<string, unknown>[] = []
  let total = 0
  let kept = 0
  const waiters = new Set<() => void>()
  ws.on('message', (data: Buffer, binary: boolean) => {
    if (binary) {
      chunks.push(data)
      total += data.length
      kept += data.length
      while (kept > keepBytes && chunks.length > 1) kept -= chunks.shift()!.length
    } else control.push(JSON.parse(data.toString()) as Record<string, unknown>)
    for (const w of waiters) w()
  })
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() }))
  )
  return new Promise((resolve, reject) => {
    ws.on('unexpected-response', (_req, res) => {
      let body = ''
      res.on('data', (c: Buffer) => (body += c.toString()))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
    })
    ws.on('error', (err) => reject(err))
    ws.on('open', () => {
      const output = () => Buffer.concat(chunks).toString('utf8')
      resolve({
        ws,
        output,
        bytes: () => total,
        control,
        type: (data) => ws.send(JSON.stringify({ type: 'input', data })),
        ack: (bytes) => ws.send(JSON.stringify({ type: 'ack', bytes })),
        resize: (cols, rows) => ws.send(JSON.stringify({ type: 'resize', cols, rows })),
        waitFor: (pattern, ms = 15_000) =>
          new Promise<void>((ok, fail) => {
            const check = () => {
              if (pattern.test(output())) {
                waiters.delete(check)
                clearTimeout(timer)
                ok()
              }
            }
            const timer = setTimeout(() => {
              waiters.delete(check)
              fail(new Error(`no ${pattern} within ${ms} ms; last output: ${JSON.stringify(output().slice(-300))}`))
            }, ms)
            waiters.add(check)
            check()
          }),
        closed
      })
    })
  })
}
