import { DockerDriver } from '../../server/src/sandbox/docker-driver.js'
import type { SandboxRuntime, SandboxSpec } from '../../server/src/sandbox/driver.js'

/** Every sandbox a test starts carries this label, so a test run can clean up after itself. */
export const TEST_LABEL = 'vre.test'

export const IMAGE = process.env.VRE_SANDBOX_IMAGE ?? 'vre-sandbox:latest'
export const RUNTIMES: SandboxRuntime[] = ['runc', 'runsc']

/**
 * The Docker engine the integration tests run against. Missing Docker is a failure with a clear
 * message, never a skip: isolation is only proven on the real engine.
 */
export async function requireDocker(): Promise<DockerDriver> {
  const driver = new DockerDriver()
  let runtimes: string[]
  try {
    runtimes = await driver.runtimes()
  } catch (err) {
    throw new Error(
      `these tests need a running Docker engine with runc and runsc (run scripts/ensure-docker.sh as root): ${(err as Error).message}`
    )
  }
  for (const r of RUNTIMES) {
    if (!runtimes.includes(r)) throw new Error(`the Docker engine lacks runtime ${r}; run scripts/ensure-docker.sh`)
  }
  try {
    await driver.docker.getImage(IMAGE).inspect()
  } catch {
    throw new Error(`the sandbox image ${IMAGE} is missing; run scripts/build-sandbox-image.sh`)
  }
  return driver
}

const MiB = 1024 * 1024

/** A launch spec as the session service makes it, small enough for tests. */
export function testSpec(runtime: SandboxRuntime, name: string, labels: Record<string, string> = {}): SandboxSpec {
  return {
    name: `vre-test-${name}-${runtime}-${process.pid}-${Date.now()}`,
    image: IMAGE,
    runtime,
    cpus: 1,
    memoryBytes: 512 * MiB,
    pids: 128,
    user: '1000:1000',
    initUser: '1001:1001',
    seedDir: '/data',
    tmpfs: [
      { path: '/home/researcher', sizeBytes: 64 * MiB, uid: 1000, gid: 1000, mode: 0o700 },
      { path: '/tmp', sizeBytes: 32 * MiB, uid: 0, gid: 0, mode: 0o1777 },
      { path: '/data', sizeBytes: 64 * MiB, uid: 1001, gid: 1001, mode: 0o755 }
    ],
    readOnlyFiles: [],
    env: { VRE_TEST: '1' },
    labels: { [TEST_LABEL]: String(process.pid), ...labels },
    deadline: new Date(Date.now() + 60 * 60_000)
  }
}

/** Removes every sandbox this test process started. */
export async function cleanupTestSandboxes(driver: DockerDriver): Promise<void> {
  for (const s of await driver.list({ [TEST_LABEL]: String(process.pid) })) await driver.stop(s.id)
}
