import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { Rng, seedWords } from '../../datasets/synthetic/prng.js'
import { EncodedOutputScanner, type EncodedFinding } from './encoded.js'
import { randomBytes, randomSplit } from './test-chunks.js'

/**
 * Ways of putting data on the screen that a review found the scanner blind to (lines under 60
 * characters, a separator every so often, bytes as numbers, od's layouts, base32 and base85), and
 * the ordinary output a stricter scanner could take for them.
 */

function scan(chunks: Uint8Array[]): { encodedBytes: number; decoded: Buffer[] } {
  const scanner = new EncodedOutputScanner()
  const findings: EncodedFinding[] = chunks.map((c) => scanner.feed(c))
  findings.push(scanner.flush())
  return { encodedBytes: findings.reduce((n, f) => n + f.encodedBytes, 0), decoded: findings.flatMap((f) => f.decoded) }
}
const scanText = (text: string) => scan([Buffer.from(text, 'latin1')])
/** Share of `text` counted encoded. */
const share = (text: string) => scanText(text).encodedBytes / text.length

/** `text` cut into lines of `width` (the last shorter), each ended by `eol`. */
const lines = (text: string, width: number, eol = '\n') =>
  Array.from({ length: Math.ceil(text.length / width) }, (_, i) => text.slice(i * width, (i + 1) * width) + eol).join('')
/** `text` with `sep` after every `n` characters. */
const every = (text: string, n: number, sep: string) => text.replace(new RegExp(`(.{${n}})(?!$)`, 'g'), `$1${sep}`)
const rows = (bytes: Uint8Array, n: number) =>
  Array.from({ length: Math.ceil(bytes.length / n) }, (_, i) => [...bytes.subarray(i * n, (i + 1) * n)])

/** od's output: 16 bytes a line, each shown by `field`, offsets in octal unless -An. */
function od(bytes: Uint8Array, field: (b: number) => string, offsets: boolean): string {
  const out = rows(bytes, 16).map((r, i) => (offsets ? (i * 16).toString(8).padStart(7, '0') : '') + r.map(field).join(''))
  if (offsets) out.push(bytes.length.toString(8).padStart(7, '0'))
  return `${out.join('\n')}\n`
}
const OD_ESCAPES: Record<number, string> = { 0: '\\0', 7: '\\a', 8: '\\b', 9: '\\t', 10: '\\n', 11: '\\v', 12: '\\f' }
Object.assign(OD_ESCAPES, { 13: '\\r', 92: '\\\\' })
const odChar = (b: number) =>
  OD_ESCAPES[b] !== undefined
    ? OD_ESCAPES[b].padStart(4)
    : b >= 0x20 && b < 0x7f
      ? `   ${String.fromCharCode(b)}`
      : ` ${b.toString(8).padStart(3, '0')}`
/** od -x and hexdump: 2-byte words, little-endian. */
const odWords = (bytes: Uint8Array) =>
  `${rows(bytes, 16)
    .map(
      (r, i) =>
        (i * 16).toString(8).padStart(7, '0') +
        rows(Uint8Array.from(r), 2)
          .map(([a, b]) => ` ${(((b ?? 0) << 8) | a!).toString(16).padStart(4, '0')}`)
          .join('')
    )
    .join('\n')}\n`

/** numpy's repr of a uint8 array printed whole (np.set_printoptions(threshold=sys.maxsize)). */
const numpyUint8 = (bytes: Uint8Array) =>
  `array([${rows(bytes, 13)
    .map((r) => r.map((b) => String(b).padStart(3)).join(', '))
    .join(',\n       ')}], dtype=uint8)\n`
const xxdI = (bytes: Uint8Array) =>
  `unsigned char data_xz[] = {\n${rows(bytes, 12)
    .map((r) => `  ${r.map((b) => `0x${b.toString(16).padStart(2, '0')}`).join(', ')}`)
    .join(',\n')}\n};\nunsigned int data_xz_len = ${bytes.length};\n`

function base32(bytes: Uint8Array, alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'): string {
  let out = ''
  let acc = 0
  let bits = 0
  for (const b of bytes) {
    acc = ((acc << 8) | b) & 0xfff
    bits += 8
    while (bits >= 5) out += alphabet[(acc >> (bits -= 5)) & 31]
  }
  if (bits > 0) out += alphabet[(acc << (5 - bits)) & 31]
  return out.padEnd(Math.ceil(out.length / 8) * 8, '=')
}
/** Python's base64.b85encode. */
function base85(bytes: Uint8Array): string {
  const alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz!#$%&()*+-;<=>?@^_`{|}~'
  let out = ''
  for (let i = 0; i < bytes.length; i += 4) {
    let v = 0
    for (let k = 0; k < 4; k++) v = v * 256 + (bytes[i + k] ?? 0)
    let group = ''
    for (let k = 0; k < 5; k++, v = Math.floor(v / 85)) group = alphabet[v % 85] + group
    out += group
  }
  return out
}

describe('encoded output: layouts that once went unseen', () => {
  const data = randomBytes(24 * 1024, 21)
  const b64 = data.toString('base64')
  const hex = data.toString('hex')

  it('counts base64 wrapped at any width, lines under 60 included, and at mixed widths', () => {
    for (const width of [4, 12, 24, 40, 56, 59]) {
      expect(share(lines(b64, width))).toBeGreaterThan(0.98)
      expect(share(lines(b64, width, '\r\n'))).toBeGreaterThan(0.98)
    }
    const rng = new Rng(seedWords(22))
    let mixed = ''
    for (let i = 0; i < b64.length; ) {
      const n = rng.range(5, 59)
      mixed += `${b64.slice(i, (i += n))}\n`
    }
    expect(share(mixed)).toBeGreaterThan(0.98)
    expect(share(lines(data.toString('base64url'), 50))).toBeGreaterThan(0.98)
  })

  it('counts base64 with a separator every N characters: a space, a tab, ",", ";", "|", ", "', () => {
    for (const sep of [' ', '\t', ',', ';', '|', ', ', '  ']) {
      for (const n of [4, 16, 200]) expect(share(every(b64, n, sep))).toBeGreaterThan(0.98)
    }
    // base64 | sed 's/.\{10\}/& /g'
    expect(share(lines(b64, 76).replace(/[^\n]{10}(?!\n)/g, '$& '))).toBeGreaterThan(0.98)
  })

  it('counts base64 with blank lines or a line of something else every few lines', () => {
    expect(share(lines(b64, 59).replace(/((?:.*\n){3})/g, '$1\n'))).toBeGreaterThan(0.95)
    expect(share(lines(b64, 59).replace(/((?:.*\n){4})/g, '$1.\n'))).toBeGreaterThan(0.9)
  })

  it('counts hex at widths under 60, in either case, and hex cut by separators', () => {
    for (const width of [58, 50, 29, 20]) {
      expect(share(lines(hex, width))).toBeGreaterThan(0.98)
      expect(share(lines(hex.toUpperCase(), width))).toBeGreaterThan(0.98)
    }
    for (const text of [every(hex, 200, ' '), every(hex, 8, ' '), every(hex, 2, ':'), every(hex, 2, ',')]) {
      expect(share(text)).toBeGreaterThan(0.98)
    }
  })

  it('counts hex cut at the width of a digest once the column is longer than a listing of ids', () => {
    const big = randomBytes(256 * 1024, 23).toString('hex')
    for (const width of [32, 40, 64, 128]) expect(share(lines(big, width))).toBeGreaterThan(0.5)
  })

  it('counts bytes written as numbers: Python, pprint, numpy, Java, C, od -An -tu1 and -td1', () => {
    const signed = (b: number) => (b > 127 ? b - 256 : b)
    for (const text of [
      `[${[...data].join(', ')}]\n`,
      `[${[...data].join(',\n ')}]\n`,
      numpyUint8(data),
      `[${[...data].map(signed).join(', ')}]\n`,
      xxdI(data),
      `[${[...data].map((b) => `'0x${b.toString(16)}'`).join(', ')}]\n`,
      od(data, (b) => String(b).padStart(4), false),
      od(data, (b) => String(signed(b)).padStart(5), false)
    ]) {
      const { encodedBytes, decoded } = scanText(text)
      expect(encodedBytes / text.length).toBeGreaterThan(0.97)
      expect(decoded.some((d) => d.includes(data.subarray(0, 4096)))).toBe(true)
    }
  })

  it('counts a text file written as numbers', () => {
    const csv = Array.from({ length: 800 }, (_, i) => `P${1000000 + i * 7},${i % 2 ? 'M' : 'F'},${20 + (i % 60)}`)
    const bytes = Buffer.from(csv.join('\n'))
    expect(share(od(bytes, (b) => String(b).padStart(4), false))).toBeGreaterThan(0.97)
  })

  it("counts od's other layouts: -c, -b, -tu1 with offsets, -x (hexdump's own), with or without offsets", () => {
    for (const text of [
      od(data, odChar, true),
      od(data, odChar, false),
      od(data, (b) => ` ${b.toString(8).padStart(3, '0')}`, true),
      od(data, (b) => String(b).padStart(4), true)
    ]) {
      const { encodedBytes, decoded } = scanText(text)
      expect(encodedBytes / text.length).toBeGreaterThan(0.97)
      expect(decoded).toContainEqual(data)
    }
    expect(share(odWords(data))).toBeGreaterThan(0.97)
    expect(scanText(odWords(data)).decoded).toContainEqual(data)
  })

  it('counts base32 (either case, and base32hex) and base85 and ascii85 lines', () => {
    const b32 = base32(data)
    for (const text of [
      lines(b32, 76),
      lines(b32, 40),
      `${b32.toLowerCase()}\n`,
      lines(base32(data, '0123456789ABCDEFGHIJKLMNOPQRSTUV'), 76),
      lines(base85(data), 76),
      `<~${lines(base85(data), 80)}~>\n`,
      every(base85(data), 50, ' ')
    ]) {
      expect(share(text)).toBeGreaterThan(0.98)
    }
    expect(scanText(lines(b32, 76)).decoded.some((d) => d.includes(data.subarray(8, 8000)))).toBe(true)
  })

  it('gives the same totals and decodings wherever the chunks end (runs of different kinds may hand theirs out in either order)', () => {
    const part = data.subarray(0, 3000)
    const session = Buffer.from(
      [
        lines(part.toString('base64'), 41),
        'total 2160\n',
        every(part.toString('base64'), 100, ', '),
        `[${[...part].join(', ')}]\n`,
        od(part, odChar, true),
        lines(base32(part), 37),
        lines(part.toString('hex'), 58),
        lines(base85(part), 76)
      ].join('ls -l\n'),
      'latin1'
    )
    const sorted = (decoded: Buffer[]) => decoded.map((d) => d.toString('hex')).sort()
    const whole = scan([session])
    expect(whole.encodedBytes).toBeGreaterThan(0.9 * session.length)
    for (let seed = 0; seed < 30; seed++) {
      const split = scan(randomSplit(session, seed))
      expect(split.encodedBytes).toBe(whole.encodedBytes)
      expect(sorted(split.decoded)).toEqual(sorted(whole.decoded))
    }
  })
})

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex')

/** A GROUP BY's counts, 1000 groups: a few hundred each (`small`: under 256, so every number of a row is a byte). */
function groupCounts(seed: number, small = false): [number, number][] {
  const rng = new Rng(seedWords(seed))
  return Array.from({ length: 1000 }, (_, i) => [
    i + 1,
    small ? rng.poisson(60) : Math.round(rng.logNormal(180, 0.6))
  ])
}
function queryForms(counts: [number, number][]): Record<string, string> {
  const row = ([k, n]: [number, number], l: string, m: string, r: string) =>
    `${l}${String(k).padEnd(6)}${m}${String(n).padStart(5)}${r}`
  const table = (top: string, head: string, mid: string, body: string[], bottom: string) =>
    [top, head, mid, ...body, bottom].join('\n') + '\n'
  return {
    csv: `prefecture_group,n\n${counts.map(([k, n]) => `${k},${n}`).join('\n')}\n`,
    box: table(
      '┌────────┬───────┐',
      '│ group  │   n   │',
      '├────────┼───────┤',
      counts.map((c) => row(c, '│ ', ' │ ', ' │')),
      '└────────┴───────┘'
    ),
    ascii: table(
      '+--------+-------+',
      '| group  |   n   |',
      '+--------+-------+',
      counts.map((c) => row(c, '| ', ' | ', ' |')),
      '+--------+-------+'
    ),
    psql: table(' group  |   n', '--------+-------', '', counts.map((c) => row(c, ' ', ' | ', '')), `(${counts.length} rows)`),
    column: table('group   n', '------  -----', '', counts.map((c) => row(c, '', '  ', '')), ''),
    counts: `${counts.map(([, n]) => n).join('\n')}\n`
  }
}

/** `ls` in columns as GNU ls lays them out (down, then across), with spaces or tabs between. */
function lsColumns(names: string[], width: number, tabs: boolean): string {
  const w = Math.max(...names.map((n) => n.length)) + 2
  const cols = Math.max(1, Math.floor((width + 2) / w))
  const rows = Math.ceil(names.length / cols)
  const out: string[] = []
  for (let r = 0; r < rows; r++) {
    const cells = Array.from({ length: cols }, (_, c) => names[r + c * rows]).filter((n) => n !== undefined)
    out.push(
      cells.map((n, c) => (c === cells.length - 1 ? n : tabs ? `${n}\t`.padEnd(w, '\t') : n.padEnd(w))).join('')
    )
  }
  return out.join('\n') + '\n'
}

function numpyRows(values: number[][], cell: (v: number) => string): string {
  return `[${values.map((r) => `[${r.map(cell).join(' ')}]`).join('\n ')}]\n`
}

const ZONEINFO = [
  'Africa America Antarctica Arctic Asia Atlantic Australia Brazil CET CST6CDT Canada Chile Cuba EET EST EST5EDT',
  'Egypt Eire Etc Europe Factory GB GB-Eire GMT GMT+0 GMT-0 GMT0 Greenwich HST Hongkong Iceland Indian Iran Israel',
  'Jamaica Japan Kwajalein Libya MET MST MST7MDT Mexico NZ NZ-CHAT Navajo PRC PST8PDT Pacific Poland Portugal ROC ROK',
  'Singapore Turkey UCT US UTC Universal W-SU WET Zulu Abidjan Accra Addis_Ababa Algiers Asmara Bamako Bangui Banjul',
  'Bissau Blantyre Brazzaville Bujumbura Cairo Casablanca Ceuta Conakry Dakar Dar_es_Salaam Djibouti Douala El_Aaiun'
].flatMap((l) => l.split(' '))

function ordinaryData(): Record<string, string> {
  const rng = new Rng(seedWords(31))
  const out: Record<string, string> = {}
  for (const [form, text] of Object.entries(queryForms(groupCounts(32)))) out[`GROUP BY counts, ${form}`] = text
  for (const [form, text] of Object.entries(queryForms(groupCounts(33, true)))) {
    out[`GROUP BY small counts, ${form}`] = text
  }
  out['seq 1 5000'] = `${Array.from({ length: 5000 }, (_, i) => i + 1).join('\n')}\n`
  const floats = Array.from({ length: 200 }, () => Array.from({ length: 8 }, () => rng.next()))
  out['a numpy array of floats'] = numpyRows(floats, (v) => v.toFixed(8).padEnd(10))
  out['a numpy array of small integers'] = numpyRows(
    Array.from({ length: 100 }, () => Array.from({ length: 20 }, () => rng.int(100))),
    (v) => String(v).padStart(2)
  )
  out['a numpy image (uint8), smooth with noise'] = numpyRows(
    Array.from({ length: 48 }, (_, y) =>
      Array.from({ length: 64 }, (_, x) =>
        Math.max(0, Math.min(255, Math.round(128 + 100 * Math.sin(x / 9) * Math.cos(y / 7) + 6 * rng.normal())))
      )
    ),
    (v) => String(v).padStart(3)
  )
  out['a CSV of floats'] = `a,b,c,d,e,f\n${Array.from({ length: 2000 }, () =>
    Array.from({ length: 6 }, (_, k) => (k < 3 ? rng.next().toFixed(6) : String(rng.normal()))).join(',')
  ).join('\n')}\n`
  out['a list of ages'] = `[${Array.from({ length: 3000 }, () => rng.range(20, 95)).join(', ')}]\n`
  const hashed = Array.from({ length: 3000 }, (_, i) => sha256(`patient-${i}`)).sort()
  out['ls of hashed names, one a line'] = `${hashed.join('\n')}\n`
  out['ls of hashed names, in columns'] = lsColumns(hashed, 200, false)
  out['ls of hashed names, in columns with tabs'] = lsColumns(hashed, 200, true)
  out['ls of hashed names with an extension'] = lsColumns(
    hashed.map((h) => `${h.slice(0, 32)}.parquet`),
    160,
    false
  )
  out["ls of git's objects (38 hex)"] = lsColumns(hashed.map((h) => h.slice(2, 40)).sort(), 160, false)
  out['ls of 64-bit ids (16 hex)'] = lsColumns(hashed.map((h) => h.slice(0, 16)), 80, false)
  // judged together with what is around them: this session has 1400 in a row
  const ids = Array.from({ length: 700 }, (_, i) => sha256(`person-${i}`))
  out['a column of 700 pseudonymised ids'] = `${ids.join('\n')}\n`
  out['the same with an index (a pandas Series)'] = `${ids.map((id, i) => `${String(i).padEnd(6)}${id}`).join('\n')}\n`
  out['ls -R of names, one a line'] = ['/usr/share/zoneinfo:', ...ZONEINFO, '', '/usr/share/zoneinfo/right:', ...ZONEINFO]
    .join('\n')
    .concat('\n')
  out['times and dates'] = `${Array.from(
    { length: 1000 },
    () =>
      `2024-${String(rng.range(1, 12)).padStart(2, '0')}-${String(rng.range(1, 28)).padStart(2, '0')} ` +
      `${String(rng.int(24)).padStart(2, '0')}:${String(rng.int(60)).padStart(2, '0')}:${String(rng.int(60)).padStart(2, '0')}`
  ).join('\n')}\n`
  return out
}

describe('encoded output: ordinary work a stricter scanner could take for data', () => {
  const samples = ordinaryData()
  for (const [name, text] of Object.entries(samples)) {
    it(`counts nothing in ${name}`, () => {
      expect(scanText(text).encodedBytes).toBe(0)
    })
  }

  it('counts nothing in a session of all of it, however it is chunked', () => {
    const session = Buffer.from(Object.values(samples).join(''))
    for (let seed = 0; seed < 3; seed++) expect(scan(randomSplit(session, seed)).encodedBytes).toBe(0)
  })
})
