import { parentPort, workerData } from 'node:worker_threads'
import {
  decryptedStream,
  type EncryptedSource,
  sampleFile,
  type SamplingOptions,
  sampleStream
} from './fingerprint-sampler.js'

/** One file's fingerprints, taken off the gateway's event loop; the thread ends with its answer. */
const job = workerData as {
  path: string
  name: string
  expectedBytes: number
  options?: SamplingOptions
  encrypted?: EncryptedSource
}
const taken =
  job.encrypted === undefined
    ? sampleFile(job.path, job.name, job.expectedBytes, job.options, 1024 * 1024)
    : sampleStream(decryptedStream(job.path, job.encrypted), job.name, job.expectedBytes, job.options)
taken
  .finally(() => job.encrypted?.key.fill(0))
  .then(
    (result) =>
      parentPort!.postMessage({ result }, [result.hashes.buffer as ArrayBuffer, result.checks.buffer as ArrayBuffer]),
    (err: unknown) => parentPort!.postMessage({ error: err instanceof Error ? err.message : String(err) })
  )
