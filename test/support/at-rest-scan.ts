import { closeSync, lstatSync, openSync, readdirSync, readSync } from 'node:fs'
import { join, relative } from 'node:path'

/**
 * What a copy of a data directory gives away without the key provider: every file scanned for
 * plaintext structure (database, tar, PEM headers) and for secrets the test knows (keys, TOTP
 * secrets, patient keys, what the researcher typed), each in the encodings it would be stored in.
 */

export interface Secret {
  /** what it is, for the report: "project key project-…", "TOTP secret of admin" */
  what: string
  /** the byte strings any of which in a file gives it away */
  forms: Buffer[]
}

export interface Finding {
  file: string
  what: string
  at: number
}

export interface ScanResult {
  files: number
  bytes: number
  /** each file by what it looks like: encrypted, JSON, text, binary */
  kinds: Record<string, string[]>
  findings: Finding[]
}

const ENCRYPTED = Buffer.from('VREENC01', 'latin1')
const SQLITE = Buffer.from('SQLite format 3\0', 'latin1')
const PEM = Buffer.from('-----BEGIN', 'latin1')
const READ = 4 * 1024 * 1024

/** A key's bytes as they could land in a file: raw, hex, base64 and base64url (without padding). */
export function keyForms(key: Buffer): Buffer[] {
  return [
    key,
    Buffer.from(key.toString('hex')),
    Buffer.from(key.toString('hex').toUpperCase()),
    Buffer.from(key.toString('base64').replace(/=+$/, '')),
    Buffer.from(key.toString('base64url'))
  ]
}

/** A text secret as UTF-8, and UTF-16LE (a Windows tool or a JS engine's heap dump would write that). */
export function textForms(text: string): Buffer[] {
  return [Buffer.from(text, 'utf8'), Buffer.from(text, 'utf16le')]
}

/** Whether the 512 bytes at the start are a tar header whose checksum adds up (POSIX ustar or old GNU). */
export function isTarHeader(block: Buffer): boolean {
  if (block.length < 512) return false
  const field = block
    .subarray(148, 156)
    .toString('latin1')
    .replace(/[\0 ]+$/, '')
    .trim()
  if (!/^[0-7]+$/.test(field)) return false
  let sum = 0
  for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 0x20 : block[i]!
  return sum === parseInt(field, 8) && sum !== 8 * 0x20
}

function* walk(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name)
    const st = lstatSync(path)
    if (st.isDirectory()) yield* walk(path)
    else yield path
  }
}

function classify(head: Buffer, size: number): string {
  if (size === 0) return 'empty'
  if (head.subarray(0, 8).equals(ENCRYPTED)) return 'encrypted (VREENC01)'
  if (head.subarray(0, 16).equals(SQLITE)) return 'SQLite (plaintext)'
  if (head.subarray(8, 12).toString('latin1') === 'DUCK') return 'DuckDB (plaintext)'
  if (isTarHeader(head)) return 'tar (plaintext)'
  if (head[0] === 0x1f && head[1] === 0x8b) return 'gzip'
  if (head.subarray(0, 4).toString('latin1') === 'PK\x03\x04') return 'zip'
  const sample = head.subarray(0, Math.min(head.length, 4096))
  const text = sample.every((b) => b === 9 || b === 10 || b === 13 || (b >= 0x20 && b < 0x7f) || b >= 0x80)
  if (text) {
    const t = sample.toString('utf8').trimStart()
    if (t.startsWith('{') || t.startsWith('[')) return 'JSON or JSON lines'
    return 'text'
  }
  return 'binary, no known header (SQLCipher pages or random)'
}

/**
 * Scans every file under `dir`. Headers are checked at their offsets; secrets and PEM markers
 * anywhere in the file (read in pieces that overlap by the longest form, so a secret across a
 * piece boundary is still found) and in the file's path.
 */
export function scanDirectory(dir: string, secrets: Secret[]): ScanResult {
  const result: ScanResult = { files: 0, bytes: 0, kinds: {}, findings: [] }
  const needles = [{ what: 'a PEM block (-----BEGIN)', forms: [PEM] }, ...secrets]
  const overlap = Math.max(...needles.flatMap((n) => n.forms.map((f) => f.length))) - 1
  for (const path of walk(dir)) {
    const file = relative(dir, path)
    const found = (what: string, at: number) => result.findings.push({ file, what, at })
    for (const s of secrets)
      for (const f of s.forms)
        if (file.includes(f.toString('utf8')) && f.length > 4) found(`${s.what} (in the file name)`, -1)
    const st = lstatSync(path)
    if (!st.isFile()) {
      ;(result.kinds[st.isSymbolicLink() ? 'symbolic link' : 'special file'] ??= []).push(file)
      continue
    }
    result.files++
    result.bytes += st.size
    const fd = openSync(path, 'r')
    try {
      const head = Buffer.alloc(Math.min(st.size, 4096))
      readSync(fd, head, 0, head.length, 0)
      const kind = classify(head, st.size)
      ;(result.kinds[kind] ??= []).push(file)
      if (kind.endsWith('(plaintext)')) found(`a ${kind.replace(' (plaintext)', '')} header`, 0)
      if (kind !== 'tar (plaintext)' && head.subarray(257, 262).toString('latin1') === 'ustar')
        found('a ustar magic at 257', 257)
      // a tar stream may also sit after some other header: check each 512-byte block for a valid one
      const seen = new Set<string>()
      const buf = Buffer.alloc(READ + overlap)
      let carried = 0
      let offset = 0
      for (;;) {
        const n = readSync(fd, buf, carried, READ, offset)
        if (n === 0) break
        const view = buf.subarray(0, carried + n)
        const base = offset - carried
        for (const needle of needles) {
          if (seen.has(needle.what)) continue
          for (const form of needle.forms) {
            const i = view.indexOf(form)
            if (i >= 0) {
              found(needle.what, base + i)
              seen.add(needle.what)
              break
            }
          }
        }
        for (let b = (512 - (base % 512)) % 512; b + 512 <= view.length; b += 512) {
          if (
            base + b > 0 &&
            view.subarray(b + 257, b + 262).toString('latin1') === 'ustar' &&
            isTarHeader(view.subarray(b, b + 512))
          ) {
            if (!seen.has('tar')) found('a tar header inside the file', base + b)
            seen.add('tar')
          }
        }
        offset += n
        const keep = Math.min(overlap, view.length)
        view.copy(buf, 0, view.length - keep)
        carried = keep
      }
    } finally {
      closeSync(fd)
    }
  }
  return result
}

/** The findings as lines a failing test prints: file, offset, what. */
export function describeFindings(findings: Finding[]): string {
  return findings.map((f) => `${f.file}${f.at >= 0 ? ` @${f.at}` : ''}: ${f.what}`).join('\n')
}
