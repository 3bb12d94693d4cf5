import { describe, expect, it } from 'vitest'
import { ApiError } from '../api/client'
import {
  ancestorsOf,
  baseName,
  errorText,
  EXPORT_NAME,
  extensionOf,
  isEditableText,
  isInOutbox,
  isNotebook,
  movedPath,
  parentOf
} from './workspace-files'

describe('paths in the workspace', () => {
  it('reads an extension in lower case; a leading dot or none is no extension', () => {
    expect(extensionOf('data/x.CSV')).toBe('csv')
    expect(extensionOf('archive.tar.gz')).toBe('gz')
    expect(extensionOf('.bashrc')).toBe('')
    expect(extensionOf('config/.env')).toBe('')
    expect(extensionOf('Makefile')).toBe('')
    expect(extensionOf('notes.d/README')).toBe('')
    expect(extensionOf('')).toBe('')
  })

  it('knows notebooks and the text files the editor opens, and nothing else', () => {
    expect(isNotebook('notebooks/Untitled.IPYNB')).toBe(true)
    expect(isNotebook('notebooks/ipynb')).toBe(false)
    for (const path of ['a.py', 'b.SQL', 'c.md', 'd.txt', 'e.r', 'f.sh', 'g.json', 'h.yaml', 'i.yml', 'j.toml']) {
      expect(isEditableText(path), path).toBe(true)
    }
    for (const path of ['data.csv', 'plot.png', 'x.parquet', 'a.ipynb', 'README']) {
      expect(isEditableText(path), path).toBe(false)
    }
  })

  it('splits a path into its name and its folder', () => {
    expect(baseName('a/b/c.txt')).toBe('c.txt')
    expect(baseName('top.txt')).toBe('top.txt')
    expect(parentOf('a/b/c.txt')).toBe('a/b')
    expect(parentOf('top.txt')).toBe('')
  })

  it('lists the folders above a path, outermost first', () => {
    expect(ancestorsOf('a/b/c')).toEqual(['a', 'a/b'])
    expect(ancestorsOf('top')).toEqual([])
    expect(ancestorsOf('日本/データ/表.csv')).toEqual(['日本', '日本/データ'])
  })

  it('follows a moved file, or anything inside a moved folder, and leaves the rest alone', () => {
    expect(movedPath('a.py', 'a.py', 'b.py')).toBe('b.py')
    expect(movedPath('work/nb/x.ipynb', 'work/nb', 'archive/nb')).toBe('archive/nb/x.ipynb')
    // a sibling whose name merely starts the same is not inside the folder
    expect(movedPath('work/nb2/x.ipynb', 'work/nb', 'archive/nb')).toBeNull()
    expect(movedPath('other.py', 'a.py', 'b.py')).toBeNull()
  })

  it('treats outbox/ and anything in it as waiting to leave, and nothing else', () => {
    expect(isInOutbox('outbox')).toBe(true)
    expect(isInOutbox('outbox/by-age.csv')).toBe(true)
    expect(isInOutbox('outboxes/x.csv')).toBe(false)
    expect(isInOutbox('work/outbox/x.csv')).toBe(false)
  })
})

describe('the export name rule', () => {
  it('takes letters, digits, dots, dashes and underscores, starting with a letter or digit, up to 100', () => {
    expect(EXPORT_NAME.test('by-age_2026.v2')).toBe(true)
    expect(EXPORT_NAME.test('a'.repeat(100))).toBe(true)
    expect(EXPORT_NAME.test('a'.repeat(101))).toBe(false)
    expect(EXPORT_NAME.test('')).toBe(false)
    expect(EXPORT_NAME.test('.hidden')).toBe(false)
    expect(EXPORT_NAME.test('-flag')).toBe(false)
    expect(EXPORT_NAME.test('a/b')).toBe(false)
    expect(EXPORT_NAME.test('年齢')).toBe(false)
    expect(EXPORT_NAME.test('with space')).toBe(false)
  })
})

describe('error text', () => {
  it("gives the server's sentence for a refusal, else the HTTP status", () => {
    expect(errorText(new ApiError(409, 'conflict', 'The file changed since you opened it.'))).toBe(
      'The file changed since you opened it.'
    )
    expect(errorText(new ApiError(502, 'bad_gateway', null))).toBe('HTTP 502')
  })

  it("gives any other error's own message, and a thrown value as text", () => {
    expect(errorText(new TypeError('Failed to fetch'))).toBe('Failed to fetch')
    expect(errorText('plain')).toBe('plain')
  })
})
