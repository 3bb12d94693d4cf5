import { randomUUID } from 'node:crypto'
import type { FastifyBaseLogger } from 'fastify'
import { boundedCollector, type ExecProcess, type SandboxDriver } from '../sandbox/driver.js'
import { cleanOutputs } from './outputs.js'
import { WORK_DIR } from '../sessions/workspace.js'

/** Where results wait for the airlock, inside the sandbox. */
export const OUTBOX_DIR = `${WORK_DIR}/outbox`

/** One output of a cell, as vre-kernel gives it (sandbox-images/README.md, "vre-kernel"). */
export type CellOutput =
  | {
      type: 'table'
      columns: { name: string; type: string; index?: boolean }[]
      rows: unknown[][]
      rowCount: number
      truncated: boolean
    }
  | { type: 'stream'; name: 'stdout' | 'stderr'; text: string }
  | { type: 'image'; mime: string; data: string }
  | { type: 'text'; text: string }
  | { type: 'error'; ename: string; evalue: string; traceback?: string[] }

export interface KernelReply {
  id: string
  status: 'ok' | 'error'
  outputs: CellOutput[]
  durationMs?: number
  executionCount?: number
  [k: string]: unknown
}

export type CellLanguage = 'sql' | 'python'

/**
 * A reply as the researcher's kernel sent it, with only what the gateway knows in the fields it
 * passes on: outputs rebuilt kind by kind, a status, numbers that are numbers. The export's own
 * fields (csv, query, rows, residualDf) stay for the export route, which checks them itself.
 */
function cleanReply(msg: KernelReply): KernelReply {
  const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined)
  const durationMs = num(msg.durationMs)
  const executionCount = num(msg.executionCount)
  return {
    ...msg,
    status: msg.status === 'ok' ? 'ok' : 'error',
    outputs: cleanOutputs(msg.outputs),
    durationMs,
    executionCount: executionCount !== undefined && Number.isSafeInteger(executionCount) ? executionCount : undefined
  }
}

/** How long a kernel started ahead may take to have Python ready. */
const PYTHON_START_MS = 60_000

/** A reply line larger than this is refused (a cell's images and capped tables stay far below). */
const MAX_LINE = 64 * 1024 * 1024

interface Kernel {
  proc: ExecProcess
  pending: Map<string, { resolve: (r: KernelReply) => void; reject: (e: Error) => void }>
  alive: boolean
}

/**
 * The notebook kernels of live sessions: one vre-kernel process per session, started in its
 * sandbox as the session starts running (or on the first cell, after a gateway restart), spoken to in line-delimited JSON over the exec's stdio. SQL runs on
 * DuckDB with the dataset attached; Python on the sandbox's ipykernel; temporary tables and
 * variables live as long as the kernel.
 */
export function createKernelService(deps: {
  driver: SandboxDriver
  log: FastifyBaseLogger
  /**
   * The session's row cap now (the policy may have changed since the sandbox started): a kernel
   * starts with it, and no table result carries more rows, whatever the kernel sent.
   */
  rowCap?: (sessionId: string) => Promise<number>
}) {
  const kernels = new Map<string, Promise<Kernel>>()

  async function spawn(sessionId: string, sandboxId: string, rowCap?: number): Promise<Kernel> {
    const cap = rowCap ?? (await deps.rowCap?.(sessionId))
    const proc = await deps.driver.exec(sandboxId, {
      cmd: ['vre-kernel'],
      stdin: true,
      ...(cap === undefined ? {} : { env: { VRE_ROW_CAP: String(cap) } })
    })
    const kernel: Kernel = { proc, pending: new Map(), alive: true }
    const errors = boundedCollector(16 * 1024)
    proc.stderr.on('data', (c: Buffer) => errors.push(c))
    let buffered: Buffer[] = []
    let size = 0
    proc.stdout.on('data', (chunk: Buffer) => {
      let c = chunk
      let nl: number
      while ((nl = c.indexOf(10)) >= 0) {
        const line = Buffer.concat([...buffered, c.subarray(0, nl)]).toString('utf8')
        buffered = []
        size = 0
        c = c.subarray(nl + 1)
        if (line.trim() === '') continue
        let msg: KernelReply & { event?: string }
        try {
          msg = JSON.parse(line) as KernelReply & { event?: string }
        } catch {
          deps.log.warn({ session: sessionId }, 'the kernel said something that is not JSON')
          continue
        }
        if (msg.event !== undefined || typeof msg.id !== 'string') continue
        const waiter = kernel.pending.get(msg.id)
        kernel.pending.delete(msg.id)
        waiter?.resolve(cleanReply(msg))
      }
      buffered.push(c)
      size += c.length
      if (size > MAX_LINE) {
        // nothing this large is a reply we could pass on: end the kernel, fail what waits
        proc.stdin?.destroy()
        buffered = []
        size = 0
      }
    })
    void proc
      .wait()
      .catch(() => -1)
      .then((code) => {
        kernel.alive = false
        if (kernels.get(sessionId) !== undefined) kernels.delete(sessionId)
        const why = new Error(`the kernel ended (exit ${code})${errors.text() ? `: ${errors.text().slice(-500)}` : ''}`)
        for (const w of kernel.pending.values()) w.reject(why)
        kernel.pending.clear()
      })
    return kernel
  }

  async function kernelOf(sessionId: string, sandboxId: string): Promise<Kernel> {
    let k = kernels.get(sessionId)
    if (k !== undefined) {
      const kernel = await k.catch(() => null)
      if (kernel?.alive) return kernel
    }
    k = spawn(sessionId, sandboxId)
    kernels.set(sessionId, k)
    k.catch(() => kernels.delete(sessionId))
    return k
  }

  async function request(sessionId: string, sandboxId: string, body: Record<string, unknown>): Promise<KernelReply> {
    const kernel = await kernelOf(sessionId, sandboxId)
    const id = randomUUID()
    return new Promise<KernelReply>((resolve, reject) => {
      // a kernel that ended a moment ago has told its waiters already: this one must not wait forever
      if (!kernel.alive) {
        reject(new Error('the kernel ended; run the cell again to start a new one'))
        return
      }
      kernel.pending.set(id, { resolve, reject })
      kernel.proc.stdin!.write(`${JSON.stringify({ ...body, id })}\n`)
    })
  }

  /** A cap lowered while the kernel runs holds at once; a raised one from the kernel's next start. */
  async function capped(sessionId: string, reply: KernelReply): Promise<KernelReply> {
    const cap = await deps.rowCap?.(sessionId)
    if (cap === undefined || !Array.isArray(reply.outputs)) return reply
    return {
      ...reply,
      outputs: reply.outputs.map((o) =>
        o.type === 'table' && o.rows.length > cap ? { ...o, rows: o.rows.slice(0, cap), truncated: true } : o
      )
    }
  }

  return {
    /**
     * Starts a kernel in a sandbox started ahead (a warm pool), under the pool's key, with the row
     * cap of the project's policy; `adopt` gives it to the session that claims the sandbox.
     */
    async prestart(key: string, sandboxId: string, rowCap: number): Promise<void> {
      const k = spawn(key, sandboxId, rowCap)
      kernels.set(key, k)
      k.catch(() => kernels.delete(key))
      await k
      // ready means Python answers too: its kernel takes seconds to start under gVisor
      const deadline = Date.now() + PYTHON_START_MS
      for (;;) {
        const reply = await request(key, sandboxId, { op: 'status' })
        const state = (reply.python as { state?: unknown } | undefined)?.state
        if (state !== 'starting' && state !== 'lazy') return
        if (Date.now() > deadline) throw new Error(`the Python kernel did not start within ${PYTHON_START_MS / 1000} s`)
        await new Promise((r) => setTimeout(r, 200))
      }
    },
    /** The kernel started under `from` is now the session's (the sandbox it runs in was claimed). */
    adopt(from: string, sessionId: string): void {
      const k = kernels.get(from)
      kernels.delete(from)
      if (k !== undefined) kernels.set(sessionId, k)
    },
    run: async (sessionId: string, sandboxId: string, cell: { language: CellLanguage; source: string }) =>
      capped(sessionId, await request(sessionId, sandboxId, { language: cell.language, source: cell.source })),
    interrupt: (sessionId: string, sandboxId: string) => request(sessionId, sandboxId, { op: 'interrupt' }),
    restart: (sessionId: string, sandboxId: string) => request(sessionId, sandboxId, { op: 'restart' }),
    /**
     * Starts the session's kernel before any cell asks for it (its Python kernel starts in the
     * background as it does), so the first cell does not wait for it; and says how it stands.
     */
    status: (sessionId: string, sandboxId: string) => request(sessionId, sandboxId, { op: 'status' }),
    /**
     * Writes the cell's result, every row, as outbox/NAME.csv with its source beside it: the last
     * statement (SQL) or expression (Python) is evaluated again in the kernel as it is now.
     */
    exportResult: (
      sessionId: string,
      sandboxId: string,
      cell: { language: CellLanguage; source: string; name: string }
    ) => request(sessionId, sandboxId, { op: 'export', ...cell, dir: OUTBOX_DIR }),
    /** The session ended: its kernel goes with the sandbox; whatever waits is told. */
    async end(sessionId: string): Promise<void> {
      const k = kernels.get(sessionId)
      kernels.delete(sessionId)
      const kernel = await k?.catch(() => null)
      kernel?.proc.stdin?.destroy()
    }
  }
}

export type KernelService = ReturnType<typeof createKernelService>
