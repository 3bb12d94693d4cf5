import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { PROJECT_ROOT } from '../config/config.js'
import { checkPolicy, parsePolicyText, policyProblems } from './load.js'
import { yamlOfObject } from './policy-service.js'

const DEFAULT_YAML = readFileSync(join(PROJECT_ROOT, 'policies', 'default.yaml'), 'utf8')
const lineOf = (text: string, line: string) => text.split('\n').indexOf(line) + 1

describe('policy schema problems', () => {
  it('names each problem by the JSON pointer of its key', () => {
    const p = parse(DEFAULT_YAML) as Record<string, any>
    p.sandbox.cpus = 100
    p.sandbox.runtime = 'kata'
    delete p.sandbox.pids
    p.sandbox.colour = 'blue'
    p.airlock.dominance = { n: 0, k: 0.9 }
    expect(policyProblems(p)).toEqual(
      expect.arrayContaining([
        { path: '/sandbox/cpus', message: 'must be <= 64' },
        { path: '/sandbox/runtime', message: 'must be one of runsc, runc' },
        { path: '/sandbox/pids', message: 'is required' },
        { path: '/sandbox/colour', message: 'is not a key a policy may have' }
      ])
    )
    expect(policyProblems(parse(DEFAULT_YAML))).toEqual([])
  })

  it('keeps the boot-time message of a policy file as it was', () => {
    expect(() => checkPolicy({ ...parse(DEFAULT_YAML), colour: 'blue' }, 'x.yaml')).toThrow(
      /policy x.yaml is invalid:\n {2}\(top level\): unknown key colour/
    )
  })
})

describe('parsePolicyText', () => {
  it('gives each problem the line of its key, or of the nearest key above a missing one', () => {
    const text = DEFAULT_YAML.replace('  cpus: 1.0\n', '  cpus: 0\n').replace('  pids: 256\n', '')
    const parsed = parsePolicyText(text)
    expect(parsed.ok).toBe(false)
    if (parsed.ok) return
    expect(parsed.problems).toEqual([
      { path: '/sandbox/pids', message: 'is required', line: lineOf(text, 'sandbox:') },
      { path: '/sandbox/cpus', message: 'must be >= 0.1', line: lineOf(text, '  cpus: 0') }
    ])
  })

  it('names the line of a YAML syntax error and of a duplicated key', () => {
    const broken = parsePolicyText('name: default\nauth:\n  a: [1,\n')
    expect(broken).toMatchObject({
      ok: false,
      problems: [{ path: '', message: expect.stringMatching(/^not valid YAML/) }]
    })
    const twice = parsePolicyText('name: default\nname: other\n')
    expect(twice).toMatchObject({ ok: false, problems: [{ path: '', line: 2 }] })
  })
})

describe('yamlOfObject', () => {
  it('writes a policy back exactly as it was, and changes only the values that changed', () => {
    expect(yamlOfObject(DEFAULT_YAML, parse(DEFAULT_YAML))).toBe(DEFAULT_YAML)
    const p = parse(DEFAULT_YAML) as Record<string, any>
    p.sandbox.cpus = 2
    p.airlock.exportTypes = ['csv', 'png']
    delete p.airlock.maxImportFileMiB
    const out = yamlOfObject(DEFAULT_YAML, p)
    expect(out).toContain('  cpus: 2\n')
    expect(out).toContain('  exportTypes: [csv, png]\n')
    expect(out).not.toContain('maxImportFileMiB')
    expect(out).toContain('# gVisor. A policy that asks for it never silently falls back to runc.')
    expect(parse(out)).toEqual(p)
  })
})
