import { PassThrough } from 'node:stream'
import type Docker from 'dockerode'
import type { ExecOptions, ExecProcess } from './driver.js'
import { engine } from './docker-engine.js'
import type { PollSandbox } from './docker-seed.js'

/**
 * Runs `cmd` as `user` in a container and hands back its streams. The caller has already chosen
 * the user and wrapped the command (vre-confine), since both depend on what the driver knows of
 * the sandbox.
 */
export async function execInContainer(
  docker: Docker,
  id: string,
  options: ExecOptions,
  user: string,
  cmd: string[],
  poll: PollSandbox
): Promise<ExecProcess> {
  const container = docker.getContainer(id)
  const tty = options.tty ?? false
  const exec = await engine('exec', () =>
    container.exec({
      Cmd: cmd,
      User: user,
      ...(options.workdir !== undefined ? { WorkingDir: options.workdir } : {}),
      Env: Object.entries(options.env ?? {}).map(([k, v]) => `${k}=${v}`),
      AttachStdin: options.stdin ?? false,
      AttachStdout: true,
      AttachStderr: true,
      Tty: tty
    })
  )
  const stream = (await engine('exec start', () =>
    exec.start({ hijack: true, stdin: options.stdin ?? false, Tty: tty })
  )) as NodeJS.ReadWriteStream & { destroy(): void }
  const stdout = new PassThrough()
  const stderr = new PassThrough()
  if (tty) {
    stream.pipe(stdout)
    stderr.end()
  } else {
    docker.modem.demuxStream(stream, stdout, stderr)
    stream.on('end', () => {
      stdout.end()
      stderr.end()
    })
  }
  const ended = new Promise<void>((resolve) => {
    stream.on('end', resolve)
    stream.on('close', resolve)
    stream.on('error', () => resolve())
  })
  return {
    stdin: options.stdin ? (stream as unknown as NodeJS.WritableStream as ExecProcess['stdin']) : null,
    stdout,
    stderr,
    wait: async () => {
      // Under gVisor the exec stream stays open when the sandbox dies: watch the sandbox too.
      let streamEnded = false
      void ended.then(() => (streamEnded = true))
      const sandboxEnded = (async () => {
        while (!streamEnded) {
          await new Promise((r) => setTimeout(r, 500))
          if (!streamEnded && (await poll()) !== null) return true
        }
        return false
      })()
      if (await Promise.race([ended.then(() => false), sandboxEnded])) {
        stream.destroy()
        stdout.end()
        stderr.end()
        const info = await exec.inspect().catch(() => null)
        return info?.ExitCode ?? 137
      }
      // The stream can end a moment before the engine records the exit code.
      for (let delay = 1; delay < 2000; delay *= 2) {
        const info = await engine('exec inspect', () => exec.inspect())
        if (!info.Running && info.ExitCode !== null) return info.ExitCode
        await new Promise((r) => setTimeout(r, delay))
      }
      throw new Error('the engine did not report the exit code of a finished exec')
    },
    resize: async (cols, rows) => {
      await engine('exec resize', () => exec.resize({ h: rows, w: cols }))
    }
  }
}
