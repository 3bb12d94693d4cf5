import { createHash, randomBytes, randomUUID } from 'node:crypto'
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { createServer, type Server, type Socket } from 'node:net'
import { networkInterfaces, release } from 'node:os'
import { Readable } from 'node:stream'
import { pack } from 'tar-stream'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  type DockerDriver,
  EXEC_USER_LABEL,
  hostPidsLimit,
  RUNSC_PIDS_FACTOR
} from '../../server/src/sandbox/docker-driver.js'
import { hostCopiesRoot } from '../../server/src/datasets/host-copies.js'
import { runInSandbox, type SandboxRuntime, type SandboxSpec } from '../../server/src/sandbox/driver.js'
import { cleanupTestSandboxes, requireDocker, RUNTIMES, TEST_LABEL, testSpec } from '../support/sandbox.js'

/**
 * SECURITY.md, "Sandbox": the launch spec read back from the engine, and what a researcher can and
 * cannot do from inside, under each runtime. The probe (sandbox-images/probe/probe.py) is copied in
 * at run time and run as the researcher (the exec default user); it reports, this file judges.
 */

const MiB = 1024 * 1024
const PROBE = readFileSync(new URL('../../sandbox-images/probe/probe.py', import.meta.url), 'utf8')

/** Directories the researcher may write: the work areas, and the sandbox's private IPC mounts. */
const WORK_AREAS = ['/home/researcher', '/tmp']
// IpcMode private: a per-sandbox /dev/shm (size-capped tmpfs, see sandbox-limits) and /dev/mqueue
// (runc only). POSIX shared memory and semaphores (multiprocessing, joblib) need them.
const IPC_AREAS = ['/dev/shm', '/dev/mqueue']
const WRITE_DIRS = [
  '/',
  '/etc',
  '/usr',
  '/usr/bin',
  '/usr/local/bin',
  '/usr/lib/python3/dist-packages',
  '/opt/vre',
  '/opt/vre/bin',
  '/opt/vre/python',
  '/data',
  '/var',
  '/var/tmp',
  '/var/lib',
  '/root',
  '/run',
  '/mnt',
  '/dev'
]
const WRITE_FILES = [
  '/etc/passwd',
  '/etc/shadow',
  '/etc/hosts',
  '/etc/resolv.conf',
  '/etc/bash.bashrc',
  '/usr/bin/python3',
  '/usr/lib/python3/dist-packages/vre.pth',
  '/opt/vre/bin/vre-sql.mjs'
]
const DNS_NAMES = [
  'example.com',
  'deb.debian.org',
  'registry.npmjs.org',
  'host.docker.internal',
  'metadata.google.internal'
]
const OUTSIDE = [
  ['1.1.1.1', 80],
  ['8.8.8.8', 53],
  ['8.8.8.8', 443],
  ['172.17.0.1', 2375],
  ['172.17.0.1', 2376],
  ['169.254.169.254', 80],
  ['10.0.0.1', 22],
  ['192.168.1.1', 80],
  ['2606:4700:4700::1111', 443]
] as const

interface Outcome {
  connected?: boolean
  sent?: boolean
  reply?: boolean
  resolved?: boolean
  created?: boolean
  written?: boolean
  opened?: boolean
  attached?: boolean
  ok?: boolean
  errno?: string | null
  error?: string | null
  exitCode?: number | null
  output?: string
  probeError?: string
}

interface ProbeReport {
  identity: {
    uid: number
    euid: number
    gid: number
    egid: number
    groups: number[]
    resuid: number[]
    resgid: number[]
  }
  kernel: { procVersion: string; release: string }
  capabilities: {
    status: Record<'CapInh' | 'CapPrm' | 'CapEff' | 'CapBnd' | 'CapAmb', string | null>
    capget: { effective: number; permitted: number; inheritable: number }
    boundingSet: number[]
    ambientSet: number[]
  }
  noNewPrivs: { prctl: number; status: string | null }
  seccomp: string | null
  interfaces: { ifNameIndex: string[]; procNetDev: string[] | string; sysClassNet: string[] | string }
  tcp: Record<string, Outcome>
  udp: Record<string, Outcome>
  icmp: { rawSocket: Outcome; packetSocket: Outcome; pingSocket: Outcome; echo: Record<string, Outcome> }
  dns: Record<string, Outcome & { addresses: string[] }>
  mount: Record<'syscall' | 'mountCommand' | 'umountCommand', Outcome>
  unshare: Record<'user' | 'mountNamespace' | 'netNamespace' | 'pidNamespace' | 'unshareU' | 'unshareR', Outcome>
  ioUring: Outcome
  ptrace: {
    attempts: Record<string, Outcome>
    processes: { pid: number; name: string; uid: string[] }[]
  }
  writes: {
    workAreas: Record<string, Outcome>
    dirs: Record<string, Outcome>
    files: Record<string, Outcome>
  }
  filesystem: {
    directoriesChecked: number
    writableDirs: string[]
    setidFiles: { path: string; mode: string; uid: number; gid: number }[]
    sockets: string[]
  }
  setidExec: Record<
    string,
    { observed: boolean; uid?: string[]; gid?: string[]; atSecure?: number | string | null; error?: string }
  >
  mounts: { root: string; mountPoint: string; options: string; fsType: string; source: string }[]
  dockerSocket: Record<string, boolean>
  readOnlyFiles: Record<
    string,
    {
      regular: boolean
      mode: string
      uid: number
      sha256: string
      size: number
      attempts: Record<string, { ok: boolean; error: string | null; result?: unknown }>
    }
  >
  foreignNames: string[]
}

/**
 * A project's dataset as the gateway shares it (datasets/host-copies.ts): a file named by its key in
 * the host's memory-backed storage, read-only for all; beside it, another project's, not mounted.
 */
const hostDir = hostCopiesRoot(`security${process.pid}`)
const DATASET = { key: `dataset-${randomUUID()}`, body: randomBytes(256 * 1024) }
const FOREIGN = { key: `dataset-${randomUUID()}`, body: randomBytes(1024) }
const DATASET_TARGET = '/data/claims.duckdb'
function writeHostCopies(): string {
  mkdirSync(hostDir, { recursive: true, mode: 0o700 })
  for (const f of [DATASET, FOREIGN]) {
    const path = join(hostDir, `${f.key}.duckdb`)
    writeFileSync(path, f.body)
    chmodSync(path, 0o444)
  }
  return join(hostDir, `${DATASET.key}.duckdb`)
}

function tarWith(name: string, body: string): Readable {
  const p = pack()
  p.entry({ name, mode: 0o644 }, body)
  p.finalize()
  return Readable.from(p as unknown as AsyncIterable<Buffer>)
}

const show = (v: unknown) => JSON.stringify(v)

/** Every address this host answers on, so the probe can try to reach the gateway's machine directly. */
function hostAddresses(): string[] {
  const out = new Set<string>()
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) {
      if (!a.internal && !a.address.startsWith('fe80')) out.add(a.address)
    }
  }
  return [...out]
}

/** A TCP listener on every host address: any connection the probe manages to make is counted here. */
async function hostListener(): Promise<{ server: Server; port: number; accepted: Socket[] }> {
  const accepted: Socket[] = []
  const server = createServer((s) => {
    accepted.push(s)
    s.destroy()
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen({ port: 0, host: '::', ipv6Only: false }, resolve)
  })
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('the host listener has no port')
  return { server, port: address.port, accepted }
}

/** The launch spec the security tests start, with values distinct from testSpec's defaults. */
function securitySpec(runtime: SandboxRuntime): SandboxSpec {
  return {
    ...testSpec(runtime, 'security', { 'vre.session': `security-${runtime}`, 'vre.project': 'p-security' }),
    readOnlyFiles: [{ source: join(hostDir, `${DATASET.key}.duckdb`), target: DATASET_TARGET }],
    cpus: 0.75,
    memoryBytes: 384 * MiB,
    pids: 192
  }
}

describe('sandbox isolation (SECURITY.md, Sandbox)', () => {
  let driver: DockerDriver
  let listener: Awaited<ReturnType<typeof hostListener>>
  let bridgeGateway: string | undefined

  beforeAll(async () => {
    driver = await requireDocker()
    writeHostCopies()
    listener = await hostListener()
    const bridge = (await driver.docker
      .getNetwork('bridge')
      .inspect()
      .catch(() => null)) as { IPAM?: { Config?: { Gateway?: string }[] } } | null
    bridgeGateway = bridge?.IPAM?.Config?.find((c) => c.Gateway)?.Gateway
  })

  afterAll(async () => {
    listener?.server.close()
    if (driver) await cleanupTestSandboxes(driver)
    rmSync(hostDir, { recursive: true, force: true })
  })

  describe.each(RUNTIMES)('under %s', (runtime) => {
    const spec = securitySpec(runtime)
    let id = ''
    let info: Awaited<ReturnType<DockerDriver['inspect']>>
    let report: ProbeReport
    let rootPid = ''
    let acceptedDuringProbe = -1

    beforeAll(async () => {
      const started = await driver.start(spec, tarWith('seeded.txt', 'project data\n'))
      id = started.id
      await started.seeded
      info = await driver.inspect(id)
      // A process the gateway runs as root inside the sandbox: the researcher must not be able to trace it.
      const rootProc = await driver.exec(id, { cmd: ['sleep', '600'], user: '0:0' })
      rootProc.stdout.resume()
      rootProc.stderr.resume()
      await driver.copyIn(id, '/tmp', tarWith('vre-probe.py', PROBE))

      const targets = new Map<string, [string, number]>()
      for (const [h, p] of OUTSIDE) targets.set(`${h}:${p}`, [h, p])
      for (const h of [...hostAddresses(), ...(bridgeGateway ? [bridgeGateway] : []), '127.0.0.1']) {
        targets.set(`${h}:${listener.port}`, [h, listener.port])
      }
      const config = {
        tcp: [...targets.values()],
        udp: [['8.8.8.8', 53], ['1.1.1.1', 53], ['172.17.0.1', 53], ...(bridgeGateway ? [[bridgeGateway, 53]] : [])],
        icmp: ['8.8.8.8', '1.1.1.1', '172.17.0.1', ...hostAddresses().filter((a) => !a.includes(':'))],
        dns: DNS_NAMES,
        workAreas: WORK_AREAS,
        ipcAreas: IPC_AREAS,
        writeDirs: WRITE_DIRS,
        writeFiles: WRITE_FILES,
        readOnlyFiles: [DATASET_TARGET],
        foreignNames: [FOREIGN.key, hostDir.split('/').pop()!]
      }
      const t0 = Date.now()
      const acceptedBefore = listener.accepted.length
      const r = await runInSandbox(driver, id, { cmd: ['python3', '/tmp/vre-probe.py', JSON.stringify(config)] })
      acceptedDuringProbe = listener.accepted.length - acceptedBefore
      if (r.exitCode !== 0) throw new Error(`the probe failed (exit ${r.exitCode}): ${r.stderr}`)
      report = JSON.parse(r.stdout) as ProbeReport
      rootPid = Object.keys(report.ptrace.attempts ?? {}).find((k) => k.startsWith('root:')) ?? ''
      console.log(
        `[sandbox-security ${runtime}] probe took ${Date.now() - t0} ms; seccomp=${report.seccomp}; ` +
          `kernel=${report.kernel?.release}; unshare(CLONE_NEWUSER)=${show(report.unshare.user)}; ` +
          `ptrace=${show(report.ptrace.attempts)}; setid binaries=${report.filesystem.setidFiles.length}`
      )
    }, 120_000)

    afterAll(async () => {
      if (id) await driver.stop(id)
    })

    describe('launch spec, read back with docker inspect', () => {
      it('drops every capability, adds none, and is not privileged', () => {
        expect(info.HostConfig.CapDrop, 'CapDrop').toEqual(['ALL'])
        expect(info.HostConfig.CapAdd ?? [], 'CapAdd').toEqual([])
        expect(info.HostConfig.Privileged, 'Privileged').toBe(false)
        expect(info.HostConfig.Devices ?? [], 'no host devices').toEqual([])
        expect(
          (info.HostConfig as { DeviceCgroupRules?: string[] | null }).DeviceCgroupRules ?? [],
          'no device rules'
        ).toEqual([])
      })

      it('sets no-new-privileges and does not switch seccomp or AppArmor confinement off', () => {
        const opts: string[] = info.HostConfig.SecurityOpt ?? []
        expect(opts, 'SecurityOpt').toContain('no-new-privileges:true')
        expect(
          opts.filter((o) => /unconfined/.test(o)),
          'no seccomp=unconfined / apparmor=unconfined'
        ).toEqual([])
      })

      it('mounts the root filesystem read-only', () => {
        expect(info.HostConfig.ReadonlyRootfs, 'ReadonlyRootfs').toBe(true)
      })

      it('has no network at all: NetworkMode none, no addresses, no ports, no links', () => {
        expect(info.HostConfig.NetworkMode, 'NetworkMode').toBe('none')
        expect(Object.keys(info.NetworkSettings.Networks ?? {}), 'networks joined').toEqual(['none'])
        for (const [name, n] of Object.entries(info.NetworkSettings.Networks ?? {})) {
          expect(n.IPAddress, `IPv4 address on ${name}`).toBe('')
          expect(n.GlobalIPv6Address, `IPv6 address on ${name}`).toBe('')
          expect(n.Gateway, `gateway on ${name}`).toBe('')
        }
        expect(info.HostConfig.PortBindings ?? {}, 'PortBindings').toEqual({})
        expect(info.HostConfig.PublishAllPorts ?? false, 'PublishAllPorts').toBe(false)
        expect(info.HostConfig.Links ?? [], 'Links').toEqual([])
        expect(info.HostConfig.ExtraHosts ?? [], 'ExtraHosts').toEqual([])
      })

      it('applies the pids, memory (no swap) and CPU limits it was asked for', () => {
        // under gVisor the engine's limit also counts the sandbox kernel's threads: scaled by the driver
        expect(info.HostConfig.PidsLimit, 'PidsLimit').toBe(hostPidsLimit(spec))
        expect(hostPidsLimit(spec)).toBe(runtime === 'runsc' ? spec.pids * RUNSC_PIDS_FACTOR : spec.pids)
        expect(info.HostConfig.Memory, 'Memory').toBe(spec.memoryBytes)
        expect(info.HostConfig.MemorySwap, 'MemorySwap == Memory (no swap)').toBe(spec.memoryBytes)
        expect(info.HostConfig.NanoCpus, 'NanoCpus').toBe(spec.cpus * 1e9)
        expect(info.HostConfig.OomKillDisable ?? false, 'OomKillDisable').toBe(false)
      })

      it('runs its init as a service account (neither root nor the researcher), execs as the researcher, in its own pid, ipc and uts namespaces', () => {
        expect(info.Config.User, 'User').toBe('1001:1001')
        expect(info.Config.Labels[EXEC_USER_LABEL], 'exec user').toBe('1000:1000')
        expect(info.HostConfig.PidMode ?? '', 'PidMode').toBe('')
        expect(info.HostConfig.IpcMode, 'IpcMode').toBe('private')
        expect(info.HostConfig.UTSMode ?? '', 'UTSMode').toBe('')
      })

      it('runs under the runtime it was asked for', () => {
        expect(info.HostConfig.Runtime, 'Runtime').toBe(runtime)
      })

      it('binds no host path but its dataset file, read-only, and no volume; the Docker socket appears nowhere', () => {
        expect(info.HostConfig.Binds ?? [], 'Binds').toEqual([])
        expect(info.HostConfig.Mounts ?? [], 'HostConfig.Mounts').toEqual([
          expect.objectContaining({ Type: 'bind', Source: spec.readOnlyFiles[0]!.source, Target: DATASET_TARGET, ReadOnly: true })
        ])
        expect(
          info.Mounts.map((m) => ({ Type: m.Type, Source: m.Source, Destination: m.Destination, RW: m.RW })),
          'Mounts (binds and volumes)'
        ).toEqual([{ Type: 'bind', Source: spec.readOnlyFiles[0]!.source, Destination: DATASET_TARGET, RW: false }])
        expect(info.HostConfig.VolumesFrom ?? [], 'VolumesFrom').toEqual([])
        expect(info.Config.Volumes ?? {}, 'image volumes (anonymous volumes land on host disk)').toEqual({})
        expect(JSON.stringify(info), 'docker.sock anywhere in the inspect output').not.toMatch(/docker\.sock/)
        expect(JSON.stringify(info), 'containerd socket anywhere in the inspect output').not.toMatch(/containerd\.sock/)
      })

      it('mounts exactly the memory-backed work areas it was asked for', () => {
        const expected = Object.fromEntries(
          spec.tmpfs.map((m) => [
            m.path,
            `rw,nosuid,nodev,size=${m.sizeBytes},uid=${m.uid},gid=${m.gid},mode=${m.mode.toString(8).padStart(4, '0')}`
          ])
        )
        expect(info.HostConfig.Tmpfs, 'Tmpfs').toEqual(expected)
      })

      it('carries the labels a restarted gateway finds it by', () => {
        expect(info.Config.Labels, 'Labels').toMatchObject(spec.labels)
        expect(info.Config.Labels[TEST_LABEL]).toBe(String(process.pid))
      })
    })

    describe('from inside, as the researcher', () => {
      it('runs the probe as uid/gid 1000 with no supplementary groups', () => {
        expect(report.identity, 'identity').toEqual({
          uid: 1000,
          euid: 1000,
          gid: 1000,
          egid: 1000,
          groups: [1000],
          resuid: [1000, 1000, 1000],
          resgid: [1000, 1000, 1000]
        })
      })

      it('runs on the kernel of the runtime asked for (gVisor never falls back to the host kernel)', () => {
        if (runtime === 'runsc') expect(report.kernel.release, 'gVisor reports its own kernel').not.toBe(release())
        else expect(report.kernel.release, 'runc shares the host kernel').toBe(release())
      })

      it('sees only the loopback interface', () => {
        expect(report.interfaces.ifNameIndex, 'socket.if_nameindex()').toEqual(['lo'])
        expect(report.interfaces.procNetDev, '/proc/net/dev').toEqual(['lo'])
      })

      it('cannot open a TCP connection to the internet, the metadata service, the Docker bridge or the host', () => {
        const connected = Object.entries(report.tcp).filter(([, o]) => o.connected !== false)
        expect(connected, `TCP connections that did not fail: ${show(connected)}`).toEqual([])
        for (const [h, p] of OUTSIDE) expect(report.tcp[`${h}:${p}`], `${h}:${p} was tried`).toBeDefined()
        for (const h of hostAddresses())
          expect(report.tcp[`${h}:${listener.port}`], `host ${h} was tried`).toBeDefined()
        expect(acceptedDuringProbe, 'connections the host listener accepted from the probe').toBe(0)
      })

      it('cannot send UDP anywhere, so no reply can come back', () => {
        expect(Object.keys(report.udp).length).toBeGreaterThan(0)
        for (const [target, o] of Object.entries(report.udp)) {
          expect(o.sent, `UDP sendto ${target}: ${show(o)}`).toBe(false)
          expect(o.reply, `UDP reply from ${target}`).toBe(false)
        }
      })

      it('cannot resolve any name', () => {
        for (const name of DNS_NAMES) {
          expect(report.dns[name]?.resolved, `DNS ${name}: ${show(report.dns[name])}`).toBe(false)
        }
      })

      it('cannot open raw or packet sockets, and no ICMP echo leaves', () => {
        expect(report.icmp.rawSocket.created, `socket(AF_INET, SOCK_RAW, ICMP): ${show(report.icmp.rawSocket)}`).toBe(
          false
        )
        expect(report.icmp.rawSocket.error).toMatch(/^EPERM|^EACCES/)
        expect(report.icmp.packetSocket.created, `socket(AF_PACKET, SOCK_RAW): ${show(report.icmp.packetSocket)}`).toBe(
          false
        )
        expect(Object.keys(report.icmp.echo).length).toBeGreaterThan(0)
        for (const [host, o] of Object.entries(report.icmp.echo)) {
          expect(o.sent, `ICMP echo to ${host} over a ping socket: ${show(o)}`).toBe(false)
        }
      })

      it('cannot mount, directly or through the setuid mount/umount binaries', () => {
        expect(report.mount.syscall, `mount(2) of a tmpfs: ${show(report.mount.syscall)}`).toMatchObject({ ok: false })
        expect(report.mount.syscall.errno).toBe('EPERM')
        expect(
          report.mount.mountCommand.exitCode,
          `mount -t tmpfs none /mnt: ${show(report.mount.mountCommand)}`
        ).not.toBe(0)
        expect(report.mount.umountCommand.exitCode, `umount /tmp: ${show(report.mount.umountCommand)}`).not.toBe(0)
      })

      it('cannot create namespaces: unshare(CLONE_NEWUSER), unshare -U and unshare -r all fail', () => {
        const u = report.unshare
        expect(u.user.ok, `unshare(CLONE_NEWUSER) via ctypes: ${show(u.user)}`).toBe(false)
        expect(u.unshareU.exitCode, `unshare -U true: ${show(u.unshareU)}`).not.toBe(0)
        expect(u.unshareR.exitCode, `unshare -r true: ${show(u.unshareR)}`).not.toBe(0)
        expect(u.mountNamespace.ok, `unshare(CLONE_NEWNS): ${show(u.mountNamespace)}`).toBe(false)
        expect(u.netNamespace.ok, `unshare(CLONE_NEWNET): ${show(u.netNamespace)}`).toBe(false)
        expect(u.pidNamespace.ok, `unshare(CLONE_NEWPID): ${show(u.pidNamespace)}`).toBe(false)
      })

      it('cannot ptrace the sandbox init (pid 1) or a process the gateway runs as root', () => {
        const attempts = report.ptrace.attempts
        expect(rootPid, `a root process to attach to: ${show(report.ptrace.processes)}`).not.toBe('')
        expect(attempts['1'], `PTRACE_ATTACH to pid 1: ${show(attempts['1'])}`).toMatchObject({ attached: false })
        expect(attempts[rootPid], `PTRACE_ATTACH to ${rootPid}: ${show(attempts[rootPid])}`).toMatchObject({
          attached: false
        })
      })

      it('cannot open an io_uring', () => {
        expect(report.ioUring.ok, `io_uring_setup: ${show(report.ioUring)}`).toBe(false)
      })

      it('can write its work areas but nowhere else: not /, /etc, /usr, /opt/vre, /data, ...', () => {
        for (const d of WORK_AREAS) {
          expect(report.writes.workAreas[d], `creating a file in work area ${d}`).toMatchObject({ written: true })
        }
        for (const d of WRITE_DIRS) {
          expect(report.writes.dirs[d], `creating a file in ${d}: ${show(report.writes.dirs[d])}`).toMatchObject({
            written: false
          })
        }
        for (const f of WRITE_FILES) {
          const o = report.writes.files[f]
          expect(o, `opening ${f} for writing: ${show(o)}`).toMatchObject({ opened: false })
          expect(o?.error, `${f} exists (so the check means something)`).not.toMatch(/^ENOENT/)
        }
        expect(report.filesystem.directoriesChecked, 'directories walked').toBeGreaterThan(1000)
        expect(
          report.filesystem.writableDirs,
          `directories outside ${[...WORK_AREAS, ...IPC_AREAS].join(', ')} where a file could be created`
        ).toEqual([])
      })

      it('gains nothing from a setuid or setgid binary: every one runs as 1000:1000 with AT_SECURE 0', () => {
        expect(report.noNewPrivs.prctl, 'prctl(PR_GET_NO_NEW_PRIVS)').toBe(1)
        // gVisor 2022-12 does not show the NoNewPrivs line; where it is shown it must say 1
        if (report.noNewPrivs.status !== null)
          expect(report.noNewPrivs.status, 'NoNewPrivs in /proc/self/status').toBe('1')
        for (const f of report.filesystem.setidFiles) {
          const o = report.setidExec[f.path]
          expect(o?.observed, `${f.path} (${f.mode}) stopped at its first instruction: ${show(o)}`).toBe(true)
          expect(o?.uid, `${f.path} real/effective/saved/fs uid`).toEqual(['1000', '1000', '1000', '1000'])
          expect(o?.gid, `${f.path} real/effective/saved/fs gid`).toEqual(['1000', '1000', '1000', '1000'])
          expect(o?.atSecure, `${f.path} AT_SECURE (1, or unreadable, when exec changed credentials)`).toBe(0)
        }
      })

      it('holds no capabilities in any set', () => {
        const c = report.capabilities
        for (const k of ['CapInh', 'CapPrm', 'CapEff', 'CapBnd'] as const) {
          expect(c.status[k], `${k} in /proc/self/status`).toBe('0000000000000000')
        }
        // gVisor 2022-12 does not show CapAmb; the prctl read below covers the ambient set everywhere
        if (c.status.CapAmb !== null) expect(c.status.CapAmb, 'CapAmb in /proc/self/status').toBe('0000000000000000')
        expect(c.capget, 'capget(2)').toEqual({ effective: 0, permitted: 0, inheritable: 0 })
        expect(c.boundingSet, 'PR_CAPBSET_READ: capabilities in the bounding set').toEqual([])
        expect(c.ambientSet, 'PR_CAP_AMBIENT_IS_SET: capabilities in the ambient set').toEqual([])
      })

      it('has a seccomp filter under runc (Docker default profile)', () => {
        // gVisor does not load the OCI seccomp profile unless runsc runs with --oci-seccomp: reported, not asserted
        if (runtime === 'runc') expect(report.seccomp, 'Seccomp mode in /proc/self/status').toBe('2')
      })

      it('sees no Docker or containerd socket and no host filesystem beyond Docker-managed /etc files', () => {
        expect(
          Object.entries(report.dockerSocket).filter(([, present]) => present),
          'socket paths present'
        ).toEqual([])
        expect(report.filesystem.sockets, 'socket files anywhere outside /proc and /sys').toEqual([])
        const allowedHostFiles = ['/etc/hosts', '/etc/hostname', '/etc/resolv.conf']
        const expectedTmpfs = new Set([...spec.tmpfs.map((m) => m.path), '/dev', '/dev/shm', '/sys/fs/cgroup'])
        for (const m of report.mounts) {
          expect(m.mountPoint + ' ' + m.root, 'mount of a Docker socket').not.toMatch(/docker\.sock|containerd/)
          if (m.mountPoint === '/') {
            expect(m.options.split(','), 'root mount options').toContain('ro')
          } else if (allowedHostFiles.includes(m.mountPoint) || m.mountPoint === DATASET_TARGET) {
            expect(m.options.split(','), `${m.mountPoint} is read-only`).toContain('ro')
          } else if (m.fsType === 'tmpfs') {
            expect(
              expectedTmpfs.has(m.mountPoint) || m.mountPoint.startsWith('/proc/') || m.mountPoint.startsWith('/sys/'),
              `unexpected tmpfs at ${m.mountPoint}`
            ).toBe(true)
          } else {
            expect(
              ['proc', 'sysfs', 'devpts', 'mqueue', 'cgroup', 'cgroup2'].includes(m.fsType),
              `mount ${show(m)} is a pseudo filesystem, not a host path`
            ).toBe(true)
          }
        }
      })
    })

    describe('the dataset mounted from the host (shared by the sandboxes of its project)', () => {
      it('is the one host file, read whole, at one mount point, read-only', () => {
        const seen = report.readOnlyFiles[DATASET_TARGET]!
        expect(seen, show(report.readOnlyFiles)).toMatchObject({
          regular: true,
          mode: '0o444',
          size: DATASET.body.length,
          sha256: createHash('sha256').update(DATASET.body).digest('hex')
        })
        const at = report.mounts.filter((m) => m.mountPoint.startsWith('/data/'))
        expect(at.map((m) => m.mountPoint)).toEqual([DATASET_TARGET])
        expect(at[0]!.options.split(',')).toContain('ro')
      })

      it('cannot be written, truncated, re-moded, moved, linked, mapped for writing or run; nothing can be made beside it', () => {
        const { attempts } = report.readOnlyFiles[DATASET_TARGET]!
        const succeeded = Object.entries(attempts).filter(([, a]) => a.ok)
        expect(succeeded, show(attempts)).toEqual([])
        for (const name of ['openWrite', 'openReadWrite', 'openTruncate', 'truncate', 'reopenWriteViaProc']) {
          expect(attempts[name]!.error, `${name}: refused for being read-only`).toMatch(/^(EROFS|EACCES|EPERM)/)
        }
        expect(attempts.execute!.error, 'execute').toMatch(/^(EACCES|EPERM)/)
        expect(attempts.mmapSharedWrite!.error, 'a shared writable mapping').toMatch(/^(EACCES|EPERM)/)
      })

      it('leads nowhere: no parent through its path or its descriptor, and no other dataset on the host is reachable', () => {
        const { attempts } = report.readOnlyFiles[DATASET_TARGET]!
        expect(attempts.parentByPath!.error, 'the path/..').toMatch(/^ENOTDIR/)
        expect(attempts.parentThroughFd!.error, 'openat(fd, "..")').toMatch(/^ENOTDIR/)
        expect(report.foreignNames, 'the other dataset or the host directory, by name, anywhere').toEqual([])
      })
    })

    describe('the init and the data it unpacked', () => {
      it('lets the researcher read the seeded data but not change, replace or delete it', async () => {
        const r = await runInSandbox(driver, id, {
          cmd: [
            'sh',
            '-c',
            'cat /data/seeded.txt; echo x >> /data/seeded.txt || echo refused; rm -f /data/seeded.txt || echo refused; ' +
              'touch /data/other || echo refused; chmod 0666 /data/seeded.txt || echo refused; cat /data/seeded.txt'
          ]
        })
        expect(r.stdout).toBe('project data\nrefused\nrefused\nrefused\nrefused\nproject data\n')
        const owner = await runInSandbox(driver, id, {
          cmd: ['python3', '-c', 'import os; s = os.stat("/data/seeded.txt"); print(s.st_uid, oct(s.st_mode & 0o777))']
        })
        expect(owner.stdout).toBe('1001 0o644\n')
      })

      it('cannot be ended by the researcher: killing every process they can reach leaves the sandbox up', async () => {
        const r = await runInSandbox(driver, id, {
          cmd: ['sh', '-c', 'kill -KILL 1 || echo refused; kill -KILL -1; echo never']
        })
        // kill(-1) spares the caller itself, which then says so
        expect(r.stdout).toBe('refused\nnever\n')
        await new Promise((res) => setTimeout(res, 500))
        expect(await driver.poll(id)).toBeNull()
        const ps = await runInSandbox(driver, id, { cmd: ['ps', '-o', 'user=,args=', '-p', '1'] })
        expect(ps.stdout).toMatch(/^vre\s+\/usr\/bin\/tini/)
      })
    })
  })
})
