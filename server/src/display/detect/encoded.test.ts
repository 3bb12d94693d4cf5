import { deflateSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { EncodedOutputScanner, type EncodedFinding } from './encoded.js'
import { randomBytes, randomSplit } from './test-chunks.js'

const wrap = (text: string, width: number, eol = '\r\n') => text.replace(new RegExp(`(.{${width}})`, 'g'), `$1${eol}`)
const crlf = (text: string) => text.replace(/\r?\n/g, '\r\n')

/** Everything the scanner says about `output` fed in `chunks`, the stream ended. */
function scan(chunks: Uint8Array[], options?: { minRun?: number }): { encodedBytes: number; decoded: Buffer[] } {
  const scanner = new EncodedOutputScanner(options)
  const findings: EncodedFinding[] = chunks.map((c) => scanner.feed(c))
  findings.push(scanner.flush())
  return {
    encodedBytes: findings.reduce((n, f) => n + f.encodedBytes, 0),
    decoded: findings.flatMap((f) => f.decoded)
  }
}
const scanText = (text: string | Buffer) => scan([typeof text === 'string' ? Buffer.from(text) : text])

function ascii85(bytes: Uint8Array): string {
  let out = ''
  for (let i = 0; i < bytes.length; i += 4) {
    let v = 0
    for (let k = 0; k < 4; k++) v = v * 256 + (bytes[i + k] ?? 0)
    let group = ''
    for (let k = 0; k < 5; k++) {
      group = String.fromCharCode(33 + (v % 85)) + group
      v = Math.floor(v / 85)
    }
    out += group.slice(0, Math.min(5, bytes.length - i + 1))
  }
  return out
}

/** What Python's print shows of a bytes object. */
function pythonRepr(bytes: Uint8Array): string {
  const named: Record<number, string> = { 9: '\\t', 10: '\\n', 13: '\\r', 39: "\\'", 92: '\\\\' }
  const shown = (b: number) =>
    named[b] ?? (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, '0')}`)
  return `b'${[...bytes].map(shown).join('')}'`
}

function xxd(bytes: Uint8Array): string {
  const lines: string[] = []
  for (let off = 0; off < bytes.length; off += 16) {
    const row = bytes.subarray(off, off + 16)
    const hex = Buffer.from(row).toString('hex').padEnd(32, ' ')
    const groups = hex.match(/.{4}/g)!.join(' ')
    const ascii = [...row].map((b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('')
    lines.push(`${off.toString(16).padStart(8, '0')}: ${groups}  ${ascii}`)
  }
  return lines.join('\n') + '\n'
}

function hexdumpC(bytes: Uint8Array): string {
  const lines: string[] = []
  for (let off = 0; off < bytes.length; off += 16) {
    const row = [...bytes.subarray(off, off + 16)]
    const pairs = row.map((b) => b.toString(16).padStart(2, '0'))
    const hex = `${pairs.slice(0, 8).join(' ')}  ${pairs.slice(8).join(' ')}`.padEnd(48, ' ')
    const ascii = row.map((b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('')
    lines.push(`${off.toString(16).padStart(8, '0')}  ${hex} |${ascii}|`)
  }
  return lines.join('\n') + '\n'
}

function odAnTx1(bytes: Uint8Array): string {
  const lines: string[] = []
  for (let off = 0; off < bytes.length; off += 16) {
    lines.push([...bytes.subarray(off, off + 16)].map((b) => ` ${b.toString(16).padStart(2, '0')}`).join(''))
  }
  return lines.join('\n') + '\n'
}

/** A small real PNG: noisy pixels, so its IDAT is compressed data as high in entropy as a plot's. */
function png(seed: number): Buffer {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
    return c >>> 0
  })
  const crc = (b: Buffer) => {
    let c = 0xffffffff
    for (const x of b) c = crcTable[(c ^ x) & 0xff]! ^ (c >>> 8)
    return (c ^ 0xffffffff) >>> 0
  }
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data])
    const out = Buffer.alloc(8 + data.length + 4)
    out.writeUInt32BE(data.length, 0)
    body.copy(out, 4)
    out.writeUInt32BE(crc(body), 8 + data.length)
    return out
  }
  const w = 160
  const h = 120
  const ihdr = Buffer.alloc(13)
  ihdr.writeUInt32BE(w, 0)
  ihdr.writeUInt32BE(h, 4)
  ihdr.set([8, 2, 0, 0, 0], 8)
  const noise = randomBytes(h * w * 3, seed)
  const rows = Buffer.alloc(h * (1 + w * 3))
  for (let y = 0; y < h; y++) noise.copy(rows, y * (1 + w * 3) + 1, y * w * 3, (y + 1) * w * 3)
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(rows)),
    chunk('IEND', Buffer.alloc(0))
  ])
}

/** What researchers' terminals and notebooks show in a day's ordinary work. */
const ORDINARY: Record<string, string> = {
  'ANSI colours (ls --color, a coloured prompt, git log)': crlf(
    [
      '\x1b]0;researcher@sandbox: ~/work\x07\x1b[01;32mresearcher@sandbox\x1b[00m:\x1b[01;34m~/work\x1b[00m$ ls --color=auto',
      '\x1b[0m\x1b[01;34mdata\x1b[0m  \x1b[01;32mrun_models.sh\x1b[0m  cohort_definition.sql  \x1b[01;34moutputs\x1b[0m  analysis.ipynb',
      '\x1b[33mcommit 9f2c4e1a7b3d5f6081a2c4e6f8091b3d5e7f9a1c\x1b[m\x1b[33m (\x1b[m\x1b[1;36mHEAD -> \x1b[m\x1b[1;32mmain\x1b[m\x1b[33m)\x1b[m',
      'Author: Researcher <researcher@example.jp>',
      '\x1b[1;31mERROR\x1b[0m \x1b[2m2025-04-01 10:12:03\x1b[0m model did not converge after \x1b[1m100\x1b[0m iterations',
      '\x1b[38;5;208m\x1b[48;5;235m warning \x1b[0m\x1b[38;2;255;128;0mtrue-colour text\x1b[0m\x1b[K\x1b[?25h\x1b[2J\x1b[H'
    ].join('\n') + '\n'
  ),
  'ls -l': crlf(
    [
      'total 2160',
      'drwxr-xr-x 2 researcher researcher    4096 Apr  1 09:58 data',
      '-rw-r--r-- 1 researcher researcher 2183204 Apr  1 10:02 cohort_2015_2024.duckdb',
      '-rwxr-xr-x 1 researcher researcher    1311 Apr  1 10:05 run_models.sh',
      '-rw-r--r-- 1 researcher researcher   18744 Apr  1 10:11 analysis.ipynb',
      'lrwxrwxrwx 1 researcher researcher      27 Apr  1 10:12 latest -> outputs/2025-04-01T10-12-03'
    ].join('\n') + '\n'
  ),
  'pip list': crlf(
    [
      'Package            Version',
      '------------------ -----------',
      'duckdb             1.1.3',
      'lifelines          0.30.0',
      'numpy              2.1.3',
      'pandas             2.2.3',
      'scikit-learn       1.5.2',
      'statsmodels        0.14.4'
    ].join('\n') + '\n'
  ),
  'a Python traceback': crlf(
    [
      'Traceback (most recent call last):',
      '  File "work/analysis/fit_models.py", line 142, in <module>',
      '    results = fit_cox_model(cohort, covariates=["age", "sex", "hba1c", "egfr", "statin_use"], strata="prefecture_code")',
      '  File "/opt/conda/lib/python3.12/site-packages/lifelines/fitters/coxph_fitter.py", line 1287, in _newton_raphson_for_efron_model',
      '    raise ConvergenceError(',
      'lifelines.exceptions.ConvergenceError: Convergence halted due to matrix inversion problems. Suspicion is high collinearity.'
    ].join('\n') + '\n'
  ),
  'a pandas DataFrame head': crlf(
    [
      '         person_id  age sex prefecture  hba1c   egfr  statin  first_claim',
      '0  P00000000012345   67   M         13    7.2   58.1    True   2016-04-01',
      '1  P00000000012346   54   F         27    6.4   81.0   False   2017-11-01',
      '2  P00000000012347   71   F         01    8.1   44.9    True   2015-06-01',
      '3  P00000000012348   49   M         40    5.9   92.3   False   2019-02-01',
      '4  P00000000012349   80   M         47    6.8   37.5    True   2015-01-01',
      '[5 rows x 8 columns]'
    ].join('\n') + '\n'
  ),
  'source code with long lines': crlf(
    [
      "query = con.execute(\"SELECT p.person_id, p.birth_year, p.sex, c.icd10_code, c.claim_month, SUM(c.points) AS points FROM persons p JOIN claims c USING (person_id) WHERE c.claim_month BETWEEN '2015-04' AND '2024-03' AND c.icd10_code LIKE 'E11%' GROUP BY ALL ORDER BY p.person_id, c.claim_month\").df()",
      'const summary = Object.fromEntries(Object.entries(groupBy(rows, (r) => `${r.prefecture}:${r.ageBand}:${r.sex}`)).map(([key, group]) => [key, { n: group.length, mean: group.reduce((a, r) => a + r.value, 0) / group.length }]))',
      'def stratified_rates(df: pd.DataFrame, strata: list[str], outcome: str = "admission_within_30d", exposure: str = "statin_use") -> pd.DataFrame: return df.groupby(strata + [exposure])[outcome].agg(["sum", "count"]).assign(rate=lambda t: t["sum"] / t["count"] * 1000)'
    ].join('\n') + '\n'
  ),
  'a long file path': crlf(
    "ls: cannot access 'work/outputs/diabetes_cohort_2015_2024/sensitivity_analyses/excluding_dialysis_patients/bootstrap_replicates/replicate_0001/model_fits/cox_proportional_hazards_with_time_varying_covariates/coefficients_and_standard_errors_by_prefecture_and_age_band_final_v2_reviewed.csv': No such file or directory\n"
  ),
  'UUIDs and SHA-256 digests (sha256sum, and bare in a column)': crlf(
    [
      ...Array.from({ length: 40 }, (_, i) =>
        randomBytes(16, 100 + i)
          .toString('hex')
          .replace(/^(.{8})(.{4})(.{4})(.{4})/, '$1-$2-$3-$4-')
      ),
      ...Array.from({ length: 40 }, (_, i) => `${randomBytes(32, 200 + i).toString('hex')}  outputs/table_${i}.csv`),
      ...Array.from({ length: 40 }, (_, i) => randomBytes(32, 300 + i).toString('hex')),
      ...Array.from({ length: 20 }, (_, i) =>
        randomBytes(32, 400 + i)
          .toString('hex')
          .toUpperCase()
      )
    ].join('\n') + '\n'
  ),
  'JSON of a small table': JSON.stringify(
    Array.from({ length: 30 }, (_, i) => ({
      prefecture: String((i % 47) + 1).padStart(2, '0'),
      age_band: `${(i % 9) * 10}-${(i % 9) * 10 + 9}`,
      sex: i % 2 ? 'F' : 'M',
      patients: 120 + i * 37,
      rate_per_1000: Math.round((3.5 + i / 7) * 100) / 100
    }))
  ),
  'Japanese text': crlf(
    [
      '都道府県コード,年齢階級,性別,患者数,入院率（千人当たり）',
      '13,65-74,男,1204,38.2',
      '27,75-84,女,987,52.9',
      '本研究では、2015年4月から2024年3月までのレセプト情報を用いて、2型糖尿病患者におけるスタチン使用と入院との関連を検討した。',
      '┌─────────────┬───────┬──────────┐',
      '│  person_id  │  age  │   hba1c  │',
      '├─────────────┼───────┼──────────┤',
      '│ P0000012345 │    67 │      7.2 │',
      '└─────────────┴───────┴──────────┘'
    ].join('\n') + '\n'
  ),
  'backslashes (a Windows path, a regular expression, a LaTeX table)': crlf(
    [
      'C:\\Users\\researcher\\work\\outputs\\x_by_prefecture\\tables\\final\\2025-04-01\\'.repeat(4),
      String.raw`pattern = re.compile(r"^(?P<code>[A-Z]\d{2}(?:\.\d{1,2})?)\s*[,;]\s*(?P<date>\d{4}-\d{2}-\d{2})\s*[,;]\s*(?P<value>-?\d+(?:\.\d+)?)\s*$\x20\x2c")`,
      String.raw`\begin{tabular}{lrrr}\toprule age\_band & n & rate & 95\% CI \\ \midrule 65--74 & 1204 & 38.2 & (36.1, 40.4) \\ 75--84 & 987 & 52.9 & (49.8, 56.1) \\ \bottomrule\end{tabular}`
    ].join('\n') + '\n'
  ),
  yes: 'y\r\n'.repeat(5000),
  'progress bars (tqdm, pip)': [
    ...Array.from(
      { length: 200 },
      (_, i) =>
        `\r fitting bootstrap replicates: ${String(Math.floor(i / 2)).padStart(3)}%|${'█'.repeat(Math.floor(i / 20))}${'▌'.repeat(i % 2)}${' '.repeat(10 - Math.floor(i / 20))}| ${i * 5}/1000 [00:${String(i % 60).padStart(2, '0')}<01:40, 9.95it/s]`
    ),
    '\r\n',
    ...Array.from(
      { length: 50 },
      (_, i) =>
        `\r   \x1b[38;5;197m${'━'.repeat(i)}\x1b[0m\x1b[38;5;237m${'━'.repeat(50 - i)}\x1b[0m \x1b[32m${(i * 0.25).toFixed(1)}/12.5 MB\x1b[0m \x1b[31m3.1 MB/s\x1b[0m eta \x1b[36m0:00:04\x1b[0m`
    ),
    '\r\n',
    '[' + '='.repeat(300) + '>] 100%\r\n'
  ].join(''),
  'a spinner drawn with backspaces': `building index... ${'\b|\b/\b-\b\\'.repeat(300)}\bdone\r\n`,
  'a man page through cat (overstrike)': crlf(
    'N\bNA\bAM\bME\bE\n       duckdb - DuckDB command line interface\n\nS\bSY\bYN\bNO\bOP\bPS\bSI\bIS\bS\n       d\bdu\buc\bck\bkd\bdb\bb [_\bO_\bP_\bT_\bI_\bO_\bN_\bS] [_\bF_\bI_\bL_\bE_\bN_\bA_\bM_\bE]\n'.repeat(
      10
    )
  ),
  'a large integer': `${'1071508607186267320948425049060001810561404811705533607443750388370351051124936122493198378815695858127594672917553146825187145285692314043598457757469857480393456777482423098542107460506237114187795418215304647498358194126739876755916554394607706291457119647768654216766042983165262438683720566806937'}\r\n`
}

describe('encoded output: what counts', () => {
  const data = randomBytes(100 * 1024, 1)

  it('counts a 100 KiB base64 dump nearly whole, as one line or wrapped at 76 with CRLF', () => {
    for (const text of [
      data.toString('base64'),
      wrap(data.toString('base64'), 76),
      wrap(data.toString('base64'), 64, '\n')
    ]) {
      const { encodedBytes } = scanText(text)
      expect(encodedBytes).toBeGreaterThan(0.99 * text.length)
      expect(encodedBytes).toBeLessThanOrEqual(text.length)
    }
  })

  it('counts URL-safe base64 and base64 of text (a CSV) as well as of random bytes', () => {
    const csv = Array.from(
      { length: 3000 },
      (_, i) => `P${1000000 + i * 7},${i % 2 ? 'M' : 'F'},${20 + (i % 60)},E11.${i % 10}`
    ).join('\n')
    for (const text of [data.toString('base64url'), wrap(Buffer.from(csv).toString('base64'), 76)]) {
      expect(scanText(text).encodedBytes).toBeGreaterThan(0.99 * text.length)
    }
  })

  it('counts hex: xxd -p lines of 60, one long line, and the xxd, hexdump -C and od -An -tx1 layouts', () => {
    const slice = data.subarray(0, 16 * 1024)
    for (const text of [
      wrap(slice.toString('hex'), 60),
      slice.toString('hex').toUpperCase(),
      crlf(xxd(slice)),
      crlf(hexdumpC(slice)),
      crlf(odAnTx1(slice))
    ]) {
      expect(scanText(text).encodedBytes).toBeGreaterThan(0.98 * text.length)
    }
  })

  it('counts a dump of bytes whose hex has no letters (bit-packed small values), but not a long number', () => {
    const packed = Buffer.from(Array.from(data.subarray(0, 8192), (b) => (b % 10) * 16 + ((b >> 4) % 10)))
    for (const text of [wrap(packed.toString('hex'), 60), crlf(xxd(packed)), crlf(hexdumpC(packed))]) {
      expect(scanText(text).encodedBytes).toBeGreaterThan(0.98 * text.length)
    }
    const number = packed.toString('hex').slice(0, 2000)
    expect(scanText(`>>> x\r\n${number}\r\n`).encodedBytes).toBe(0)
  })

  it('counts ascii85 and other high-entropy tokens without whitespace', () => {
    const a85 = ascii85(data.subarray(0, 8192))
    expect(scanText(a85).encodedBytes).toBe(a85.length)
  })

  it("counts the repr of bytes Python's print shows", () => {
    const text = `${pythonRepr(data.subarray(0, 20000))}\r\n`
    expect(scanText(text).encodedBytes).toBeGreaterThan(0.99 * text.length)
  })

  it('counts raw binary, and binary that went through a UTF-8 decoder on its way', () => {
    expect(scanText(data).encodedBytes).toBeGreaterThan(0.99 * data.length)
    const mangled = Buffer.from(data.toString('utf8'))
    expect(scanText(mangled).encodedBytes).toBeGreaterThan(0.95 * mangled.length)
  })

  it('counts base64 inside a notebook output read as JSON, its line breaks escaped', () => {
    const json = JSON.stringify({ name: 'stdout', text: wrap(data.toString('base64'), 76, '\n') })
    expect(scanText(json).encodedBytes).toBeGreaterThan(0.99 * json.length)
  })

  it('counts a run of minRun characters, not one shorter', () => {
    const token = data.toString('base64').slice(0, 100)
    expect(scan([Buffer.from(`key: ${token}\r\n`)]).encodedBytes).toBe(0)
    expect(scan([Buffer.from(`key: ${token}\r\n`)], { minRun: 64 }).encodedBytes).toBe(100)
  })

  it('counts each byte once where runs of several kinds overlap', () => {
    const text = `data:image/png;base64,${data.toString('base64')}`
    expect(scanText(text).encodedBytes).toBeLessThanOrEqual(text.length)
    expect(scanText(text).encodedBytes).toBeGreaterThan(0.99 * text.length)
  })
})

describe('encoded output: ordinary work', () => {
  for (const [name, text] of Object.entries(ORDINARY)) {
    it(`counts nothing in ${name}`, () => {
      expect(scanText(text).encodedBytes).toBe(0)
      expect(scanText(text).decoded).toEqual([])
    })
  }

  it('counts nothing in a session of all of it, however it is chunked', () => {
    const session = Buffer.from(Object.values(ORDINARY).join(''))
    for (let seed = 0; seed < 5; seed++) expect(scan(randomSplit(session, seed)).encodedBytes).toBe(0)
  })

  it('counts a figure shown as base64 (it is encoded), and only the figure', () => {
    const figure = png(7).toString('base64')
    const session = `${ORDINARY['a pandas DataFrame head']}${wrap(figure, 76)}\r\n${ORDINARY['ls -l']}`
    const { encodedBytes } = scanText(session)
    expect(encodedBytes).toBeGreaterThan(0.99 * wrap(figure, 76).length)
    expect(encodedBytes).toBeLessThanOrEqual(wrap(figure, 76).length)
  })
})

describe('encoded output: decoding', () => {
  const data = randomBytes(6000, 2)
  const contains = (buffers: Buffer[], part: Buffer) => buffers.some((b) => b.includes(part))

  it('decodes base64 at every alignment, so a run that starts mid-group still decodes', () => {
    const b64 = data.toString('base64')
    for (let skip = 0; skip < 8; skip++) {
      const { decoded } = scanText(wrap(b64.slice(skip), 76))
      expect(decoded).toHaveLength(4)
      expect(contains(decoded, data.subarray(6, 5994))).toBe(true)
    }
  })

  it('decodes hex at both alignments', () => {
    for (const skip of [0, 1]) {
      const { decoded } = scanText(wrap(data.toString('hex').slice(skip), 60))
      expect(decoded).toHaveLength(2)
      expect(contains(decoded, data.subarray(1, 5999))).toBe(true)
    }
  })

  it('undoes the escapes of a bytes repr, at its one alignment', () => {
    const { decoded } = scanText(`data = ${pythonRepr(data)}\r\n`)
    expect(decoded).toEqual([Buffer.concat([Buffer.from("data = b'"), data, Buffer.from("'")])])
  })

  it('decodes the hex of dump layouts at their one alignment', () => {
    for (const dump of [xxd(data), hexdumpC(data)]) {
      expect(scanText(crlf(dump)).decoded).toEqual([data])
    }
    // spaced pairs are a run of the alphabet cut by a regular separator as well, decoded at both of its alignments
    const { decoded } = scanText(crlf(odAnTx1(data)))
    expect(decoded).toContainEqual(data)
    expect(decoded).toHaveLength(3)
  })

  it('hands a long run out in overlapping pieces as it goes, never holding it whole', () => {
    const big = randomBytes(1024 * 1024, 3)
    const text = Buffer.from(big.toString('base64'))
    const scanner = new EncodedOutputScanner()
    const pieces: Buffer[] = []
    for (let i = 0; i < text.length; i += 16 * 1024) {
      const found = scanner.feed(text.subarray(i, i + 16 * 1024))
      if (i + 16 * 1024 >= 256 * 1024) {
        // a piece is out before the run has ended
        expect(pieces.length + found.decoded.length).toBeGreaterThan(0)
      }
      pieces.push(...found.decoded)
    }
    pieces.push(...scanner.flush().decoded)
    expect(Math.max(...pieces.map((p) => p.length))).toBeLessThanOrEqual(48 * 1024)
    // pieces come four at a time, one per alignment; each starts with the last 96 bytes of the one before
    const aligned = pieces.filter((_, i) => i % 4 === 0)
    const whole = Buffer.concat(aligned.map((p, i) => (i === 0 ? p : p.subarray(96))))
    // the final "==" decodes as "AA" (two zero bytes more), which keeps concatenated encodings aligned
    expect(whole.subarray(0, big.length).equals(big)).toBe(true)
    expect(whole.length - big.length).toBe(2)
  })

  it('hands out at most 4 MiB of decodings per feed, and still counts every byte', () => {
    const text = Buffer.from(randomBytes(6 * 1024 * 1024, 4).toString('base64'))
    const scanner = new EncodedOutputScanner()
    const found = scanner.feed(text)
    expect(found.decoded.reduce((n, d) => n + d.length, 0)).toBeLessThanOrEqual(4 * 1024 * 1024)
    expect(found.encodedBytes + scanner.flush().encodedBytes).toBe(text.length)
  })
})

describe('encoded output: chunk boundaries', () => {
  const session = Buffer.concat([
    Buffer.from(ORDINARY['ls -l']!),
    Buffer.from(wrap(randomBytes(30000, 5).toString('base64'), 76)),
    Buffer.from(ORDINARY['Japanese text']!),
    randomBytes(5000, 6),
    Buffer.from(ORDINARY['ANSI colours (ls --color, a coloured prompt, git log)']!),
    Buffer.from(wrap(randomBytes(9000, 7).toString('hex'), 60)),
    Buffer.from(crlf(hexdumpC(randomBytes(2000, 8)))),
    Buffer.from(JSON.stringify({ text: wrap(randomBytes(8000, 9).toString('base64'), 76, '\n') })),
    Buffer.from(ascii85(randomBytes(3000, 10))),
    Buffer.from(`${pythonRepr(randomBytes(3000, 12))}\r\n`),
    Buffer.from(ORDINARY['progress bars (tqdm, pip)']!),
    Buffer.from(randomBytes(4000, 11).toString('utf8')),
    Buffer.from('\xe3\x81', 'latin1')
  ])

  it('gives the same totals and decodings wherever the chunks end', () => {
    const whole = scan([session])
    expect(whole.encodedBytes).toBeGreaterThan(60000)
    for (let seed = 0; seed < 40; seed++) {
      const split = scan(randomSplit(session, seed))
      expect(split.encodedBytes).toBe(whole.encodedBytes)
      expect(Buffer.concat(split.decoded).equals(Buffer.concat(whole.decoded))).toBe(true)
    }
    const bytes = scan([...session].map((b) => Uint8Array.of(b)))
    expect(bytes.encodedBytes).toBe(whole.encodedBytes)
  })

  it('counts a UTF-8 character split across chunks as text', () => {
    const japanese = Buffer.from('患者数と入院率。'.repeat(200))
    expect(scan([...japanese].map((b) => Uint8Array.of(b))).encodedBytes).toBe(0)
  })

  it('rejects a minRun it cannot work with', () => {
    expect(() => new EncodedOutputScanner({ minRun: 4 })).toThrow(RangeError)
    expect(() => new EncodedOutputScanner({ minRun: 100.5 })).toThrow(RangeError)
  })
})
