import { SandboxGone, SandboxUnavailable } from './driver.js'

interface EngineError {
  statusCode?: number
  reason?: string
  json?: { message?: string } | null
  message: string
}

export const statusOf = (err: unknown): number | undefined => (err as EngineError | null)?.statusCode
const messageOf = (err: unknown): string =>
  (err as EngineError).json?.message ?? (err as EngineError).reason ?? (err as Error).message

/**
 * The one wrapper every engine call goes through: 404 means the container is gone (SandboxGone),
 * a connection failure means the engine is unavailable, anything else is passed on.
 */
export async function engine<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call()
  } catch (err) {
    if (statusOf(err) === 404) throw new SandboxGone(`${what}: ${messageOf(err)}`)
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'ENOENT' || code === 'ECONNREFUSED' || code === 'EACCES') {
      throw new SandboxUnavailable(`the Docker engine cannot be reached (${code}); is dockerd running?`)
    }
    throw err
  }
}
