import type { AirlockParams } from './params.js'
import type { RuleResult } from './types.js'
import { ERROR_MAX, quote, result } from './wording.js'

export type Direction = 'export' | 'import'

/**
 * A file's type: the longest allowed extension its name ends with (`tar.gz` before `gz`), else its
 * last extension, lower case; '' when it has none.
 */
export function fileType(name: string, allowed: readonly string[]): string {
  const base = (name.split('/').at(-1) ?? name).toLowerCase()
  const matches = allowed.filter((ext) => base.endsWith(`.${ext}`) && base.length > ext.length + 1)
  if (matches.length > 0) return matches.sort((a, b) => b.length - a.length)[0]!
  const dot = base.lastIndexOf('.')
  return dot > 0 ? base.slice(dot + 1) : ''
}

/**
 * File type and size: the type must be on the policy's allow-list for the direction, the size
 * under its cap, and the bytes must be what the name says: a PNG that starts like a PNG, text that
 * is UTF-8 without NUL bytes, JSON that parses. A zip renamed to .png is caught here.
 */
export function fileTypeRule(
  file: { name: string; bytes: Uint8Array },
  direction: Direction,
  params: AirlockParams
): RuleResult {
  const allowed = direction === 'export' ? params.exportTypes : params.importTypes
  const maxMiB = direction === 'export' ? params.maxExportFileMiB : params.maxImportFileMiB
  const type = fileType(file.name, allowed)
  const list = allowed.map((t) => `.${t}`).join(' ')
  if (!allowed.includes(type)) {
    const what = type === '' ? 'has no extension' : `is a .${quote(type)} file`
    return result(
      'file-type',
      'fail',
      `"${quote(file.name)}" ${what}, and only these types may ${direction === 'export' ? 'leave' : 'come in'}: ${list}.`
    )
  }
  const size = file.bytes.length
  if (size > maxMiB * MiB) {
    return result(
      'file-type',
      'fail',
      `"${quote(file.name)}" is ${(size / MiB).toFixed(1)} MiB, over the ${maxMiB} MiB limit for ${direction === 'export' ? 'outputs' : 'files brought in'}.`
    )
  }
  const mismatch = contentProblem(type, file.bytes)
  if (mismatch !== null) {
    return result('file-type', 'fail', `"${quote(file.name)}" is named .${type} but ${mismatch}.`)
  }
  return result('file-type', 'pass', `.${type} is allowed, and the file is ${sizeText(size)} (limit ${maxMiB} MiB).`)
}

const MiB = 1024 * 1024

function sizeText(bytes: number): string {
  return bytes < 1024
    ? `${bytes} bytes`
    : bytes < MiB
      ? `${(bytes / 1024).toFixed(1)} KiB`
      : `${(bytes / MiB).toFixed(1)} MiB`
}

const SIGNATURES: Record<string, { bytes: number[]; what: string }[]> = {
  png: [{ bytes: [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], what: 'a PNG image' }],
  jpg: [{ bytes: [0xff, 0xd8, 0xff], what: 'a JPEG image' }],
  jpeg: [{ bytes: [0xff, 0xd8, 0xff], what: 'a JPEG image' }],
  pdf: [{ bytes: [0x25, 0x50, 0x44, 0x46, 0x2d], what: 'a PDF' }],
  zip: [
    { bytes: [0x50, 0x4b, 0x03, 0x04], what: 'a zip archive' },
    { bytes: [0x50, 0x4b, 0x05, 0x06], what: 'a zip archive' }
  ],
  'tar.gz': [{ bytes: [0x1f, 0x8b], what: 'a gzip archive' }],
  tgz: [{ bytes: [0x1f, 0x8b], what: 'a gzip archive' }]
}

/** Types that must be UTF-8 text. */
export const TEXT_TYPES = new Set([
  'csv',
  'tsv',
  'txt',
  'md',
  'json',
  'py',
  'r',
  'sql',
  'yaml',
  'yml',
  'sh',
  'toml',
  'ipynb'
])

function contentProblem(type: string, bytes: Uint8Array): string | null {
  const signatures = SIGNATURES[type]
  if (signatures !== undefined) {
    const ok = signatures.some((s) => s.bytes.every((b, i) => bytes[i] === b))
    return ok ? null : `its bytes do not start like ${signatures[0]!.what}`
  }
  if (!TEXT_TYPES.has(type)) return null
  if (bytes.includes(0)) return 'it holds NUL bytes, so it is not text'
  let text: string
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes)
  } catch {
    return 'it is not UTF-8 text (spreadsheets in Japan often save Shift_JIS): save it as UTF-8'
  }
  if (type === 'json' || type === 'ipynb') {
    try {
      JSON.parse(text)
    } catch (err) {
      return `it is not valid JSON (${quote((err as Error).message, ERROR_MAX)})`
    }
  }
  return null
}
