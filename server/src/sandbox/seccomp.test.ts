import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import {
  ENGINE_DEFAULT_PROFILE,
  sandboxSeccompProfile,
  type SeccompProfile,
  tightenProfile,
  REMOVED_SYSCALLS
} from './seccomp.js'

const allowed = (p: SeccompProfile) =>
  new Set((p.syscalls ?? []).filter((r) => r.action === 'SCMP_ACT_ALLOW').flatMap((r) => r.names ?? []))

describe('sandbox seccomp profile', () => {
  it("takes tracing and io_uring out of the engine's default and keeps everything else", () => {
    const base = JSON.parse(readFileSync(ENGINE_DEFAULT_PROFILE, 'utf8')) as SeccompProfile
    expect(allowed(base).has('ptrace')).toBe(true)
    const tight = JSON.parse(sandboxSeccompProfile()) as SeccompProfile
    for (const name of REMOVED_SYSCALLS) expect(allowed(tight).has(name), name).toBe(false)
    const rest = [...allowed(base)].filter((n) => !REMOVED_SYSCALLS.has(n))
    expect([...allowed(tight)].sort()).toEqual(rest.sort())
    expect(tight.defaultAction).toBe(base.defaultAction)
  })

  it('refuses an allow-by-default base profile', () => {
    expect(() => tightenProfile({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [] })).toThrow(/deny-by-default/)
  })

  it('refuses to produce a profile when the base is missing', () => {
    expect(() => sandboxSeccompProfile('/nonexistent/default.json')).toThrow(/golang-github-docker-docker-dev/)
  })
})
