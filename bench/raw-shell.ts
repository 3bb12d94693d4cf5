import { CONFINE, type DockerDriver } from '../server/src/sandbox/docker-driver.js'
import type { SandboxRuntime } from '../server/src/sandbox/driver.js'

/**
 * The benches' floor: a TTY bash exec'd straight through the engine as the researcher (through
 * vre-confine under gVisor, as the gateway would run it), no gateway in between.
 */
export async function rawShell(
  driver: DockerDriver,
  id: string,
  runtime: SandboxRuntime,
  bashArgs: string[],
  size?: { cols: number; rows: number }
): Promise<NodeJS.ReadWriteStream & { destroy(): void }> {
  const exec = await driver.docker.getContainer(id).exec({
    Cmd: [...(runtime === 'runsc' ? [CONFINE] : []), 'bash', ...bashArgs],
    User: '1000:1000',
    Env: ['TERM=xterm-256color'],
    AttachStdin: true,
    AttachStdout: true,
    AttachStderr: true,
    Tty: true
  })
  const stream = (await exec.start({ hijack: true, stdin: true, Tty: true })) as NodeJS.ReadWriteStream & {
    destroy(): void
  }
  if (size) await exec.resize({ w: size.cols, h: size.rows })
  return stream
}
