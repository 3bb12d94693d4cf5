import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { checkIngestSpec, IngestError, loadIngestSpec } from './spec.js'

const dir = mkdtempSync(join(tmpdir(), 'vre-spec-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const valid = () => ({
  version: 1,
  description: 'Raw extract',
  person: { dateShiftDays: 30 },
  optOut: { file: 'opt-out.txt' },
  tables: {
    patients: {
      source: 'patients.csv',
      description: 'People',
      personKey: 'patient_no',
      drop: ['氏名', 'address'],
      quasi: { birth_date: { rule: 'year-month', as: 'birth_ym' }, postcode: { rule: 'truncate', digits: 3 } },
      keep: { sex: { description: 'Sex' } }
    },
    visits: {
      source: 'visits.parquet',
      description: 'Visits',
      personKey: 'patient_no',
      dates: { visit_date: {} },
      keep: { cost: { type: 'DOUBLE' } }
    }
  }
})

/** The problems a spec is refused for, one per line. */
function problems(spec: unknown): string[] {
  try {
    checkIngestSpec(spec, 'test.yaml', dir)
  } catch (err) {
    expect(err).toBeInstanceOf(IngestError)
    return (err as Error).message
      .split('\n')
      .slice(1)
      .map((s) => s.trim())
  }
  throw new Error('the spec was accepted')
}

describe('dataset spec', () => {
  it('accepts a valid spec and resolves every column, in source paths relative to the spec', () => {
    const spec = checkIngestSpec(valid(), 'test.yaml', dir)
    expect(spec.person).toMatchObject({ column: 'person_id', dateShiftDays: 30 })
    expect(spec.optOut).toEqual({ file: join(dir, 'opt-out.txt'), column: null })
    const [patients, visits] = spec.tables
    expect(patients!.source).toBe(join(dir, 'patients.csv'))
    expect(patients!.format).toBe('csv')
    expect(visits!.format).toBe('parquet')
    expect(patients!.columns.map((c) => [c.source, c.output, c.treatment.kind])).toEqual([
      ['patient_no', 'person_id', 'person'],
      ['氏名', null, 'drop'],
      ['address', null, 'drop'],
      ['birth_date', 'birth_ym', 'quasi'],
      ['postcode', 'postcode', 'quasi'],
      ['sex', 'sex', 'keep']
    ])
    expect(patients!.columns[4]!.treatment).toEqual({ kind: 'quasi', rule: 'truncate', digits: 3 })
  })

  it('refuses unknown keys, naming their path', () => {
    const s = valid() as Record<string, any>
    s.extra = true
    s.tables.patients.passThrough = ['x']
    s.tables.patients.keep.sex.colour = 'red'
    expect(problems(s)).toEqual([
      '(top level): unknown key extra',
      'tables.patients: unknown key passThrough',
      'tables.patients.keep.sex: unknown key colour'
    ])
  })

  it('refuses bad values, naming their path', () => {
    const s = valid() as Record<string, any>
    s.version = 2
    s.person.dateShiftDays = 0
    s.tables.patients.quasi.postcode.digits = 0
    s.tables.visits.keep.cost.type = 'MONEY'
    s.tables.visits.format = 'xlsx'
    const found = problems(s)
    for (const path of [
      'version:',
      'person.dateShiftDays:',
      'tables.patients.quasi.postcode.digits:',
      'tables.visits.keep.cost.type:',
      'tables.visits.format:'
    ]) {
      expect(
        found.some((p) => p.startsWith(path)),
        `${path} in ${found.join(' | ')}`
      ).toBe(true)
    }
  })

  it('refuses a missing description and a spec with no tables', () => {
    const s = valid() as Record<string, any>
    delete s.tables.visits.description
    expect(problems(s).some((p) => p.startsWith('tables.visits:') && p.includes('description'))).toBe(true)
    expect(problems({ ...valid(), tables: {} })).toEqual(['tables: must not have fewer than 1 properties'])
  })

  it('refuses a column named in two sections', () => {
    const s = valid() as Record<string, any>
    s.tables.patients.keep.address = {}
    expect(problems(s)).toEqual(['tables.patients.keep.address: column address is already named in drop'])
  })

  it('refuses a rule without its parameter, and a parameter the rule does not take', () => {
    const s = valid() as Record<string, any>
    s.tables.patients.quasi.birth_date = { rule: 'age', max: 90 }
    s.tables.patients.quasi.postcode = { rule: 'top-code', max: 9, digits: 3 }
    expect(problems(s)).toEqual([
      'tables.patients.quasi.birth_date: the age rule needs at',
      'tables.patients.quasi.postcode.digits: the top-code rule takes no digits'
    ])
  })

  it('refuses dates in a table without a person key, since they are shifted per person', () => {
    const s = valid() as Record<string, any>
    delete s.tables.visits.personKey
    expect(problems(s)).toEqual([
      'tables.visits.dates.visit_date: dates are shifted per person, and this table has no personKey'
    ])
  })

  it('refuses output names that are not plain identifiers, and two columns with one output name', () => {
    const s = valid() as Record<string, any>
    s.tables.patients.keep['性別'] = {}
    s.tables.patients.keep.gender = { as: 'sex' }
    const found = problems(s)
    expect(found).toHaveLength(2)
    expect(found[0]).toMatch(
      /^tables\.patients\.keep\.性別: the output name 性別 must be lower-case .*; give one with as$/
    )
    expect(found[1]).toBe('tables.patients.keep.gender: the output column sex is also made by keep.sex')
  })

  it('refuses a table name the ingest writes itself, and a source whose format it cannot tell', () => {
    const s = valid() as Record<string, any>
    s.tables.dataset_info = { source: 'x.xlsx', description: 'd', keep: { a: {} } }
    expect(problems(s)).toEqual([
      'tables.dataset_info: dataset_info is written by the ingest itself; choose another name',
      'tables.dataset_info.source: say format: csv or parquet (the name x.xlsx does not tell)'
    ])
  })

  it('reads a YAML file, refusing text that is not YAML with the file named', () => {
    const good = join(dir, 'good.yaml')
    writeFileSync(
      good,
      'version: 1\ndescription: d\nperson: { dateShiftDays: 10 }\n' +
        'tables:\n  t:\n    source: t.csv\n    description: d\n    personKey: id\n    keep: { x: {} }\n'
    )
    const spec = loadIngestSpec(good)
    expect(spec.tables[0]!.source).toBe(join(dir, 't.csv'))
    expect(spec.sha256).toMatch(/^[0-9a-f]{64}$/)
    const bad = join(dir, 'bad.yaml')
    writeFileSync(bad, 'tables: [unclosed\n')
    expect(() => loadIngestSpec(bad)).toThrow(/bad\.yaml is not valid YAML/)
    expect(() => loadIngestSpec(join(dir, 'missing.yaml'))).toThrow(/cannot read dataset spec/)
  })
})
