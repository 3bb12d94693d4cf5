/**
 * Copying files in and out of a sandbox through an exec'd tar, not the engine's archive API: the
 * archive API writes under the root filesystem (read-only here) and cannot see tmpfs mounts.
 */
import { PassThrough, type Readable } from 'node:stream'
import { boundedCollector, type ExecOptions, type ExecProcess } from './driver.js'

/** Starts a process in the sandbox being copied to or from. */
export type ExecIn = (options: ExecOptions) => Promise<ExecProcess>

export async function copyIntoSandbox(
  exec: ExecIn,
  dir: string,
  tar: Readable,
  options: { user?: string } = {}
): Promise<void> {
  const proc = await exec({
    cmd: ['tar', '-x', '-f', '-', '-C', dir, '--no-same-owner', '--no-overwrite-dir'],
    ...(options.user !== undefined ? { user: options.user } : {}),
    stdin: true
  })
  const err = boundedCollector()
  proc.stderr.on('data', (c: Buffer) => err.push(c))
  proc.stdout.resume()
  tar.pipe(proc.stdin!)
  const code = await proc.wait()
  if (code !== 0) throw new Error(`copying into the sandbox failed: ${err.text()}`)
}

export async function copyOutOfSandbox(
  exec: ExecIn,
  path: string,
  options: { exclusive?: boolean } = {}
): Promise<Readable> {
  const slash = path.lastIndexOf('/')
  const parent = slash <= 0 ? '/' : path.slice(0, slash)
  const base = path.slice(slash + 1)
  const tar = ['tar', '-c', '-f', '-', '-C', parent, '--', base]
  // kill(-1) reaches every process of the user but the caller itself and init.
  const cmd = options.exclusive ? ['sh', '-c', 'kill -KILL -1 2>/dev/null; exec "$@"', 'sh', ...tar] : tar
  const proc = await exec({ cmd })
  const out = new PassThrough()
  const err = boundedCollector()
  proc.stderr.on('data', (c: Buffer) => err.push(c))
  proc.stdout.pipe(out, { end: false })
  // a reader that gives up (a refused archive) closes the exec's stream, so tar stops too
  out.on('close', () => {
    if (!proc.stdout.readableEnded) proc.stdout.destroy()
  })
  void Promise.all([proc.wait(), new Promise((r) => proc.stdout.on('end', r))]).then(
    ([code]) => {
      if (code === 0) out.end()
      else out.destroy(new Error(`copying out of the sandbox failed: ${err.text()}`))
    },
    (e: unknown) => out.destroy(e as Error)
  )
  return out
}
