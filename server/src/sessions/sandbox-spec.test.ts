import { randomUUID } from 'node:crypto'
import { chmodSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { DEFAULT_POLICY_YAML } from '../../../test/support/policy.js'
import { parsePolicyText } from '../policy/load.js'
import type { SandboxPolicy } from '../policy/schema.js'
import { containerOptions } from '../sandbox/docker-driver.js'
import { SANDBOX_SERVICE_USER } from '../sandbox/driver.js'
import { MiB } from './core.js'
import { deadlineGraceMs } from './deadline.js'
import { DEFAULT_ROW_CAP, LABELS, sandboxSpec } from './sandbox-spec.js'
import { DATA_DIR, HOME } from './workspace.js'

const parsed = parsePolicyText(DEFAULT_POLICY_YAML)
if (!parsed.ok) throw new Error('the shipped default policy does not parse')
const policy: SandboxPolicy = parsed.policy.sandbox
const session = { id: 's-1', userId: 'u-1', projectId: 'p-1', createdAt: '2026-03-01T10:00:00.000Z' }

describe('the sandbox of a session', () => {
  const spec = sandboxSpec(session, 'gw-1', policy, { VRE_SESSION: 's-1' })

  it('names and labels it for its gateway, researcher, project and session', () => {
    expect(spec.name).toBe('vre-gw-1-s-1')
    expect(spec.labels).toEqual({
      [LABELS.gateway]: 'gw-1',
      [LABELS.session]: 's-1',
      [LABELS.user]: 'u-1',
      [LABELS.project]: 'p-1',
      [LABELS.datasets]: ''
    })
  })

  it('runs the researcher as an unprivileged uid and the init as the service account, never root', () => {
    expect(spec.user).toBe('1000:1000')
    expect(spec.initUser).toBe(SANDBOX_SERVICE_USER)
    expect([spec.user, spec.initUser].some((u) => u.startsWith('0:') || u === 'root')).toBe(false)
    expect(spec.seedDir).toBe(DATA_DIR)
  })

  it("sizes the researcher's home, /tmp and the staged workspace's room from the policy, the last the init's", () => {
    expect(spec.tmpfs).toEqual([
      { path: HOME, sizeBytes: policy.workAreaMiB * MiB, uid: 1000, gid: 1000, mode: 0o700 },
      { path: '/tmp', sizeBytes: policy.tmpMiB * MiB, uid: 0, gid: 0, mode: 0o1777 },
      // the datasets are mounted from the host, not held in the sandbox's memory
      { path: DATA_DIR, sizeBytes: policy.workAreaMiB * MiB, uid: 1001, gid: 1001, mode: 0o755 }
    ])
    expect(spec).toMatchObject({
      image: policy.image,
      runtime: policy.runtime,
      cpus: policy.cpus,
      memoryBytes: policy.memoryMiB * MiB,
      pids: policy.pids
    })
  })

  it("ends itself a grace after the policy's longest session, counted from the request", () => {
    expect(spec.deadline.getTime()).toBe(
      Date.parse(session.createdAt) + policy.maxDurationMinutes * 60_000 + deadlineGraceMs(policy.maxDurationMinutes)
    )
  })

  it("caps DuckDB's memory and the notebook's rows, the caller's variables kept", () => {
    expect(spec.env).toEqual({
      VRE_DUCKDB_MEMORY_LIMIT: `${Math.floor(policy.memoryMiB / 4)}MB`,
      VRE_ROW_CAP: String(policy.rowCap),
      VRE_SESSION: 's-1'
    })
    const small = sandboxSpec(session, 'gw-1', { ...policy, memoryMiB: 256, rowCap: undefined }, {})
    expect(small.env).toEqual({ VRE_DUCKDB_MEMORY_LIMIT: '64MB', VRE_ROW_CAP: String(DEFAULT_ROW_CAP) })
  })

  it('has no way to ask for a network, privileges or host paths: the driver launches it with none', () => {
    expect(Object.keys(spec).sort()).toEqual(
      [
        'cpus',
        'deadline',
        'env',
        'image',
        'initUser',
        'labels',
        'memoryBytes',
        'name',
        'pids',
        'readOnlyFiles',
        'runtime',
        'seedDir',
        'tmpfs',
        'user'
      ].sort()
    )
    const host = containerOptions(spec, '{}', Date.parse(session.createdAt)).HostConfig!
    expect(host).toMatchObject({
      NetworkMode: 'none',
      ReadonlyRootfs: true,
      Privileged: false,
      CapDrop: ['ALL'],
      CapAdd: [],
      Binds: [],
      Mounts: [],
      Runtime: policy.runtime
    })
    expect(host.SecurityOpt).toContain('no-new-privileges:true')
  })
})

describe("the project's datasets, mounted from the host", () => {
  const dir = mkdtempSync(join(tmpdir(), 'vre-mounts-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))
  const file = (name: string, mode: number) => {
    const path = join(dir, name)
    writeFileSync(path, 'dataset')
    chmodSync(path, mode)
    return path
  }
  const key = `dataset-${randomUUID()}`
  const good = file(`${key}.duckdb`, 0o444)
  const optionsFor = (source: string, target = '/data/claims.duckdb') =>
    containerOptions(
      sandboxSpec(session, 'gw-1', policy, {}, [{ keyId: key, source, target }]),
      '{}',
      Date.parse(session.createdAt)
    )

  it('binds each read-only, at its name in /data, and names its key on the label', () => {
    const o = optionsFor(good)
    expect(o.HostConfig!.Mounts).toEqual([
      { Type: 'bind', Source: good, Target: '/data/claims.duckdb', ReadOnly: true, BindOptions: { Propagation: 'rprivate' } }
    ])
    expect(o.HostConfig!.Binds).toEqual([])
    expect(o.Labels![LABELS.datasets]).toBe(key)
  })

  it('refuses to mount anything but a regular file nobody can write or run, at a plain name in /data', () => {
    const refusals: [string, string, RegExp][] = [
      [file('writable.duckdb', 0o644), '/data/claims.duckdb', /mode is 644/],
      [file('executable.duckdb', 0o555), '/data/claims.duckdb', /mode is 555/],
      [file('setuid.duckdb', 0o4444), '/data/claims.duckdb', /mode is 4444/],
      [dir, '/data/claims.duckdb', /not a regular file/],
      [join(dir, 'missing.duckdb'), '/data/claims.duckdb', /does not exist/],
      [`${dir}/../${dir.split('/').pop()}/${key}.duckdb`, '/data/claims.duckdb', /absolute and normal/],
      ['relative.duckdb', '/data/claims.duckdb', /absolute and normal/],
      [good, '/etc/passwd', /plain file name in \/data/],
      [good, '/data/../etc/passwd', /plain file name in \/data/],
      [good, '/data/sub/claims.duckdb', /plain file name in \/data/],
      [good, '/data/..', /plain file name in \/data/],
      [good, '/home/researcher/claims.duckdb', /plain file name in \/data/]
    ]
    const link = join(dir, 'link.duckdb')
    symlinkSync(good, link)
    refusals.push([link, '/data/claims.duckdb', /not a regular file/])
    for (const [source, target, why] of refusals) {
      expect(() => optionsFor(source, target), `${source} at ${target}`).toThrow(why)
    }
  })
})
