import { describe, expect, it } from 'vitest'
import { fileType, fileTypeRule } from './file-type.js'
import { resolveAirlockParams } from './params.js'

const params = resolveAirlockParams({ preset: 'ndb-japan', maxExportFileMiB: 1 })
const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0])
const ZIP = Buffer.from([0x50, 0x4b, 0x03, 0x04, 0, 0])
const GZIP = Buffer.from([0x1f, 0x8b, 8, 0])

describe('file type and size rule', () => {
  it('takes the longest allowed extension, case-insensitively', () => {
    expect(fileType('work/outbox/Data.TAR.GZ', ['gz', 'tar.gz'])).toBe('tar.gz')
    expect(fileType('table.CSV', ['csv'])).toBe('csv')
    expect(fileType('Makefile', ['csv'])).toBe('')
    expect(fileType('.csv', ['csv'])).toBe('')
  })

  it('passes an allowed type within the size cap', () => {
    const r = fileTypeRule({ name: 'by-age.csv', bytes: Buffer.from('a,n\nx,12\n') }, 'export', params)
    expect(r.outcome).toBe('pass')
  })

  it('fails a type not on the export list, and one with no extension', () => {
    const r = fileTypeRule({ name: 'cohort.parquet', bytes: Buffer.from('PAR1') }, 'export', params)
    expect(r.outcome).toBe('fail')
    expect(r.message).toMatch(/is a \.parquet file, and only these types may leave: \.csv \.tsv/)
    expect(fileTypeRule({ name: 'README', bytes: Buffer.from('x') }, 'export', params).message).toMatch(
      /has no extension/
    )
  })

  it('fails a file over the size cap, and passes one exactly at it', () => {
    const at = Buffer.alloc(1024 * 1024, 0x61)
    expect(fileTypeRule({ name: 'a.txt', bytes: at }, 'export', params).outcome).toBe('pass')
    const over = Buffer.alloc(1024 * 1024 + 1, 0x61)
    expect(fileTypeRule({ name: 'a.txt', bytes: over }, 'export', params).message).toMatch(/over the 1 MiB limit/)
  })

  it('fails bytes that are not what the name says', () => {
    expect(fileTypeRule({ name: 'fig.png', bytes: ZIP }, 'export', params).message).toMatch(
      /do not start like a PNG image/
    )
    expect(fileTypeRule({ name: 'fig.png', bytes: PNG }, 'export', params).outcome).toBe('pass')
    expect(fileTypeRule({ name: 'a.csv', bytes: Buffer.from([0x61, 0, 0x62]) }, 'export', params).message).toMatch(
      /NUL bytes/
    )
    expect(fileTypeRule({ name: 'a.csv', bytes: Buffer.from([0x8a, 0xb3]) }, 'export', params).message).toMatch(
      /not UTF-8/
    )
    expect(fileTypeRule({ name: 'a.json', bytes: Buffer.from('{"a":') }, 'export', params).message).toMatch(
      /not valid JSON/
    )
  })

  it('uses the import list and cap for files brought in', () => {
    expect(fileTypeRule({ name: 'lib.tar.gz', bytes: GZIP }, 'import', params).outcome).toBe('pass')
    expect(fileTypeRule({ name: 'lib.tar.gz', bytes: GZIP }, 'export', params).outcome).toBe('fail')
    expect(fileTypeRule({ name: 'fig.png', bytes: PNG }, 'import', params).message).toMatch(/may come in/)
  })
})
