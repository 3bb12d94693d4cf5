import { type Duplex, PassThrough, type Readable } from 'node:stream'
import type Docker from 'dockerode'
import { pack } from 'tar-stream'
import { READY } from './container-spec.js'
import { boundedCollector } from './driver.js'

/** How a sandbox has ended, or null while it runs (the driver's poll). */
export type PollSandbox = () => Promise<null | { exitCode: number | null; reason: string }>

/**
 * Feeds the seed to the init and waits for it to say it is ready, or for the sandbox to end.
 * `startedUp` settles once the engine has started the container, so the sandbox is not polled
 * before it could run.
 */
export async function seedSandbox(
  docker: Docker,
  init: Duplex,
  seed: Readable,
  startedUp: Promise<void>,
  poll: PollSandbox
): Promise<void> {
  const out = new PassThrough()
  const err = boundedCollector()
  const errStream = new PassThrough()
  errStream.on('data', (c: Buffer) => err.push(c))
  docker.modem.demuxStream(init, out, errStream)
  let finished = false
  try {
    const ready = new Promise<void>((resolve, reject) => {
      let said = ''
      out.on('data', (c: Buffer) => {
        said = (said + c.toString('utf8')).slice(-256)
        if (said.includes(READY)) resolve()
      })
      const ended = () => reject(new Error(`the sandbox's init did not unpack the data: ${err.text() || 'it ended'}`))
      init.on('end', ended)
      init.on('close', ended)
      init.on('error', ended)
      seed.on('error', (e: Error) => reject(new Error(`the data could not be read: ${e.message}`)))
    })
    // Under gVisor the attach stream can stay open when the sandbox dies: watch the sandbox too.
    const died = (async () => {
      await startedUp
      while (!finished) {
        await new Promise((r) => setTimeout(r, 500))
        const ended = finished ? null : await poll()
        if (ended !== null) throw new Error(`the sandbox ended while its data was unpacked: ${ended.reason}`)
      }
    })()
    seed.pipe(init)
    await Promise.race([ready, died])
  } finally {
    finished = true
    seed.destroy()
    init.destroy()
  }
}

/** A tar archive with no entries: what the init gets when there is nothing to seed. */
export function emptyTar(): Readable {
  const p = pack()
  p.finalize()
  return p as unknown as Readable
}
