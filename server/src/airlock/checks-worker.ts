import { parentPort } from 'node:worker_threads'
import { checkRound, type RoundJob } from './disclosure/round.js'

/** The disclosure checks' thread: one round at a time, answered by the job's number. */
parentPort!.on('message', ({ id, job }: { id: number; job: RoundJob }) => {
  try {
    parentPort!.postMessage({ id, reports: checkRound(job) })
  } catch (err) {
    parentPort!.postMessage({ id, error: (err as Error).message ?? String(err) })
  }
})
