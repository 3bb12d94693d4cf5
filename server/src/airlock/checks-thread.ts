import { Worker } from 'node:worker_threads'
import type { RoundJob, RoundReport } from './disclosure/round.js'

/** A round whose checks take longer than this is not submitted. */
export const CHECKS_TIMEOUT_MS = 60_000

/** Why the checks of a round did not run; nothing is submitted. */
export class ChecksFailed extends Error {
  override name = 'ChecksFailed'
}

interface Waiting {
  resolve: (reports: RoundReport[]) => void
  reject: (err: Error) => void
  timer: NodeJS.Timeout
}

/**
 * Runs the disclosure checks on a worker thread, so a large table (or a project with a long
 * history of releases to difference against) never holds up the gateway's event loop, where
 * every terminal and request of every researcher is served. One thread, started on first use;
 * a job that fails or overruns rejects and, for an overrun, the thread is replaced.
 */
export class ChecksThread {
  private worker: Worker | null = null
  private next = 1
  private readonly waiting = new Map<number, Waiting>()

  constructor(private readonly timeoutMs = CHECKS_TIMEOUT_MS) {}

  run(job: RoundJob, timeoutMs = this.timeoutMs): Promise<RoundReport[]> {
    const worker = this.worker ?? this.start()
    const id = this.next++
    return new Promise<RoundReport[]>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.failAll(new ChecksFailed(`they did not finish within ${timeoutMs / 1000} s`))
        void worker.terminate()
      }, timeoutMs)
      this.waiting.set(id, { resolve, reject, timer })
      worker.postMessage({ id, job })
    })
  }

  async close(): Promise<void> {
    const w = this.worker
    this.failAll(new ChecksFailed('the gateway is stopping'))
    await w?.terminate()
  }

  private start(): Worker {
    // run from the sources (tests and benches, from the project root), the thread registers the
    // TypeScript loader first
    const worker = import.meta.url.endsWith('.ts')
      ? new Worker(
          `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(new URL('./checks-worker.ts', import.meta.url).href)}) })`,
          { eval: true }
        )
      : new Worker(new URL('./checks-worker.js', import.meta.url))
    worker.unref()
    worker.on('message', (m: { id: number; reports?: RoundReport[]; error?: string }) => {
      const w = this.waiting.get(m.id)
      if (w === undefined) return
      this.waiting.delete(m.id)
      clearTimeout(w.timer)
      if (m.reports !== undefined) w.resolve(m.reports)
      else w.reject(new ChecksFailed(m.error ?? 'they failed'))
    })
    // a thread given up on (overrun) may stop later: by then its jobs are answered, and the new
    // thread's are not its to fail
    worker.on('error', (err) => {
      if (this.worker === worker) this.failAll(new ChecksFailed(err.message))
    })
    worker.on('exit', () => {
      if (this.worker === worker) this.failAll(new ChecksFailed('their thread stopped'))
    })
    this.worker = worker
    return worker
  }

  private failAll(err: Error): void {
    this.worker = null
    for (const [id, w] of this.waiting) {
      clearTimeout(w.timer)
      this.waiting.delete(id)
      w.reject(err)
    }
  }
}
