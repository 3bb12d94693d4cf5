import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { deflateSync } from 'node:zlib'
import { afterAll, describe, expect, it } from 'vitest'
import { Rng, seedWords } from '../../datasets/synthetic/prng.js'
import { EncodedOutputScanner } from './encoded.js'
import { closeKeys, dataDirKeys } from '../../../../test/support/keys.js'
import { datasetContext, datasetKeyScope } from '../../datasets/at-rest.js'
import { writeEncryptedFile } from '../../keys/encrypted-file.js'
import {
  type DatasetFingerprints,
  FingerprintMatcher,
  fingerprintBytes,
  fingerprintEncryptedFile,
  fingerprintFile
} from './fingerprints.js'

function randomBytes(n: number, seed: number): Buffer {
  const rng = new Rng(seedWords(seed))
  const out = Buffer.alloc(n)
  for (let i = 0; i < n; i++) out[i] = rng.u32() & 0xff
  return out
}

/**
 * Bytes laid out like a DuckDB file's: blocks of zero padding, little integer columns, text
 * (codes and dates, with CRLF and LF line ends) and compressed-looking noise.
 */
function datasetLike(n: number, seed: number): Buffer {
  const rng = new Rng(seedWords(seed))
  const out = Buffer.alloc(n)
  for (let at = 0; at < n;) {
    const size = Math.min(n - at, 512 + rng.int(8192))
    const kind = rng.int(4)
    if (kind === 1) {
      for (let i = 0; i + 4 <= size; i += 4) out.writeInt32LE(rng.int(5000) - 100, at + i)
    } else if (kind === 2) {
      let text = ''
      while (text.length < size) {
        const eol = rng.chance(0.5) ? '\r\n' : '\n'
        text += `P${String(rng.int(1e9)).padStart(10, '0')},E${rng.range(10, 14)}.${rng.int(10)},2${rng.int(10)}${rng.int(10)}${rng.int(10)}-0${rng.range(1, 9)}-1${rng.int(10)},${rng.int(900)}${eol}`
      }
      out.write(text.slice(0, size), at, 'latin1')
    } else if (kind === 3) {
      randomBytes(size, rng.u32()).copy(out, at)
    }
    at += size
  }
  return out
}

function randomSplit(bytes: Uint8Array, seed: number): Uint8Array[] {
  const rng = new Rng(seedWords(seed))
  const chunks: Uint8Array[] = []
  for (let i = 0; i < bytes.length;) {
    const n = Math.min(65536, 1 + rng.int(2 ** rng.int(17)))
    chunks.push(bytes.subarray(i, i + n))
    i += n
  }
  return chunks
}

const wrap = (text: string, width: number) => text.replace(new RegExp(`(.{${width}})`, 'g'), '$1\r\n')
/** A binary shown on a terminal: the TTY turns every "\n" into "\r\n". */
const throughTty = (bytes: Uint8Array) => {
  const out: number[] = []
  for (const b of bytes) {
    if (b === 0x0a) out.push(0x0d)
    out.push(b)
  }
  return Buffer.from(out)
}

/** What the monitor does with a screen's output: scan it, match it raw and decoded. */
function show(sets: DatasetFingerprints[], chunks: Uint8Array[]): { matcher: FingerprintMatcher; fresh: number } {
  const matcher = new FingerprintMatcher(sets)
  const scanner = new EncodedOutputScanner()
  let fresh = 0
  let pieces = 0
  // each decoded piece stands alone: a stream of its own, so no window joins it to another
  const look = (decoded: Buffer[]) => decoded.forEach((d) => (fresh += matcher.feed(d, `decoded:${pieces++}`)))
  for (const c of chunks) {
    const found = scanner.feed(c)
    fresh += matcher.feed(c, 'terminal')
    look(found.decoded)
  }
  look(scanner.flush().decoded)
  return { matcher, fresh }
}
const matchesOf = (sets: DatasetFingerprints[], output: Uint8Array, seed = 1) =>
  show(sets, randomSplit(output, seed)).matcher.matches()

const file = datasetLike(4 * 1024 * 1024, 42)
const prints = fingerprintBytes(file, 'claims')

const isControl = (b: number) => b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d
/**
 * `n` bytes from the first place past `from` that is binary: not padding (a stretch of zeros has
 * no fingerprints and shows nothing of the data), not text (a file's stored text has none either).
 */
function binaryPart(from: number, n: number): Buffer {
  for (let at = from; ; at += 997) {
    const part = file.subarray(at, at + n)
    const zeros = part.filter((b) => b === 0).length
    const controls = part.filter((b) => b !== 0 && isControl(b)).length
    if (zeros < n / 10 && controls > n / 20) return part
  }
}

describe('dataset fingerprints: a slice of the file on the screen', () => {
  const slices = [0, 1_000_003, 2_097_152, 4_150_000].map((from) => binaryPart(from, 4096))

  const shown: Record<string, (slice: Buffer) => string | Buffer> = {
    'raw through a terminal': (s) => throughTty(s),
    'as base64 on one line': (s) => s.toString('base64'),
    'as base64 wrapped at 76 with CRLF': (s) => wrap(s.toString('base64'), 76),
    'as base64 starting 1 character into a group': (s) => wrap(s.toString('base64').slice(1), 76),
    'as base64 starting 2 characters into a group': (s) => s.toString('base64').slice(2),
    'as base64 starting 3 characters into a group': (s) => s.toString('base64').slice(3),
    'as URL-safe base64': (s) => s.toString('base64url'),
    'as hex in xxd -p lines': (s) => wrap(s.toString('hex'), 60),
    'as hex on one line, starting mid-byte': (s) => s.toString('hex').slice(1)
  }

  for (const [how, render] of Object.entries(shown)) {
    it(`recognises the file shown ${how}, whatever the chunks`, () => {
      for (const [k, slice] of slices.entries()) {
        const output = render(slice)
        const found = matchesOf([prints], typeof output === 'string' ? Buffer.from(output) : output, k)
        expect(found.claims).toBeGreaterThanOrEqual(8)
      }
    })
  }

  it('gives the same count for any chunking as for one chunk', () => {
    const session = Buffer.concat([
      throughTty(slices[0]!),
      Buffer.from(wrap(slices[1]!.toString('base64'), 76)),
      Buffer.from('\r\n$ '),
      Buffer.from(wrap(slices[2]!.toString('hex'), 60)),
      Buffer.from('\r\n$ '),
      Buffer.from(slices[3]!.toString('base64').slice(3))
    ])
    const whole = show([prints], [session]).matcher.matches().claims
    expect(whole).toBeGreaterThan(32)
    for (let seed = 0; seed < 20; seed++) expect(matchesOf([prints], session, seed).claims).toBe(whole)
  })
})

describe('dataset fingerprints: output that is not the file', () => {
  it('finds nothing in random bytes, shown raw or as base64', () => {
    const noise = randomBytes(2 * 1024 * 1024, 7)
    expect(matchesOf([prints], noise).claims).toBe(0)
    expect(matchesOf([prints], Buffer.from(wrap(noise.toString('base64'), 76))).claims).toBe(0)
  })

  it('finds nothing in zeros, or in another file laid out like it', () => {
    expect(matchesOf([prints], Buffer.alloc(1024 * 1024)).claims).toBe(0)
    expect(matchesOf([prints], Buffer.from(Buffer.alloc(1024 * 1024).toString('base64'))).claims).toBe(0)
    expect(matchesOf([prints], datasetLike(1024 * 1024, 43)).claims).toBe(0)
  })

  it('finds nothing in a figure, as bytes or as base64', () => {
    const pixels = randomBytes(200 * 600, 8)
    const figure = Buffer.concat([Buffer.from('\x89PNG\r\n\x1a\n', 'latin1'), deflateSync(pixels)])
    const matcher = new FingerprintMatcher([prints])
    expect(matcher.feed(figure, 'image:0')).toBe(0)
    expect(matchesOf([prints], Buffer.from(wrap(figure.toString('base64'), 76))).claims).toBe(0)
  })

  it('finds nothing in ordinary terminal output', () => {
    const session = Buffer.from(
      [
        'researcher@sandbox:~/work$ ls -l\r\n',
        'total 2160\r\n-rw-r--r-- 1 researcher researcher 2183204 Apr  1 10:02 cohort_2015_2024.duckdb\r\n',
        '\x1b[01;34mdata\x1b[0m  \x1b[01;32mrun_models.sh\x1b[0m  analysis.ipynb\r\n',
        '   person_id  age sex  hba1c\r\n0  P0000012345   67   M    7.2\r\n1  P0000012346   54   F    6.4\r\n',
        'Traceback (most recent call last):\r\n  File "fit.py", line 12, in <module>\r\nKeyError: \'hba1c\'\r\n',
        '本研究では、2型糖尿病患者におけるスタチン使用と入院との関連を検討した。\r\n',
        'y\r\n'.repeat(2000),
        ...Array.from(
          { length: 300 },
          (_, i) =>
            `P${String(i * 7919).padStart(10, '0')},E11.${i % 10},2019-0${1 + (i % 9)}-1${i % 10},${i % 900}\r\n`
        )
      ].join('')
    )
    expect(matchesOf([prints], session).claims).toBe(0)
  })

  it('counts no window whose rolling hash is a fingerprint but whose bytes are not', () => {
    const forged = { ...prints, checks: prints.checks.map((c) => c ^ 1) }
    expect(matchesOf([forged], throughTty(file.subarray(0, 65536))).claims).toBe(0)
  })
})

describe('dataset fingerprints: taking them', () => {
  it('takes at most maxFingerprints, sorted and unique, every one 0 modulo a power of two from 8', () => {
    for (const max of [1, 100, 5000, 262_144]) {
      const p = fingerprintBytes(file, 'claims', { maxFingerprints: max })
      expect(p.hashes.length).toBeLessThanOrEqual(max)
      if (max > 1) expect(p.hashes.length).toBeGreaterThan(max / 4)
      expect(p.checks).toHaveLength(p.hashes.length)
      expect(p.modulus).toBeGreaterThanOrEqual(8)
      expect(Math.log2(p.modulus) % 1).toBe(0)
      expect(p.hashes.every((h, i) => h % p.modulus === 0 && (i === 0 || h > p.hashes[i - 1]!))).toBe(true)
    }
    expect(prints.fileBytes).toBe(file.length)
  })

  it('keeps the same fingerprints at a coarser sampling: the ones whose hash the larger modulus divides', () => {
    const coarse = fingerprintBytes(file, 'claims', { maxFingerprints: 5000 })
    const fine = new Set(prints.hashes)
    for (const h of coarse.hashes) expect(fine.has(h)).toBe(true)
  })

  it('takes none from zeros, padding or a short repeated pattern', () => {
    expect(fingerprintBytes(Buffer.alloc(1024 * 1024), 'zeros').hashes).toHaveLength(0)
    expect(fingerprintBytes(Buffer.from('0123456789'.repeat(100_000)), 'pattern').hashes).toHaveLength(0)
  })

  it('takes none from the text a binary file stores as it is, which every query shows', () => {
    const names = Array.from({ length: 400 }, (_, i) => `Percutaneous coronary intervention, stent ${i} (left main)`)
    const stored = Buffer.concat([randomBytes(50_000, 11), Buffer.from(names.join('')), randomBytes(50_000, 12)])
    const p = fingerprintBytes(stored, 'procedures')
    expect(p.hashes.length).toBeGreaterThan(1000)
    const queryResult = Buffer.from(names.map((n, i) => `│ ${i} │ ${n} │`).join('\r\n'))
    expect(matchesOf([p], queryResult).procedures).toBe(0)
    expect(matchesOf([p], Buffer.from(names.join(''))).procedures).toBe(0)
    expect(matchesOf([p], throughTty(stored.subarray(0, 8192))).procedures).toBeGreaterThanOrEqual(8)
  })

  it('takes them from the text of a file that is mostly text (a CSV)', () => {
    const csv = Buffer.from(
      Array.from({ length: 20000 }, (_, i) => `P${String(i * 7919).padStart(10, '0')},E11.${i % 10},${i % 900}\n`).join(
        ''
      )
    )
    const p = fingerprintBytes(csv, 'csv')
    expect(p.hashes.length).toBeGreaterThan(1000)
    expect(matchesOf([p], throughTty(csv.subarray(100_000, 104_096))).csv).toBeGreaterThanOrEqual(8)
  })

  it('leaves carriage returns out, so a file is the same with LF or CRLF line ends', () => {
    const lf = Buffer.from(
      Array.from({ length: 20000 }, (_, i) => `P${String(i * 7919).padStart(10, '0')},E11.${i % 10},${i % 900}\n`).join(
        ''
      )
    )
    const crlf = Buffer.from(lf.toString('latin1').replace(/\n/g, '\r\n'), 'latin1')
    const a = fingerprintBytes(lf, 'a')
    const b = fingerprintBytes(crlf, 'a')
    expect(a.hashes.length).toBeGreaterThan(1000)
    expect(b.hashes).toEqual(a.hashes)
    expect(b.checks).toEqual(a.checks)
  })

  it('rejects options it cannot work with', () => {
    expect(() => fingerprintBytes(file, 'x', { windowBytes: 8 })).toThrow(RangeError)
    expect(() => fingerprintBytes(file, 'x', { maxFingerprints: 0 })).toThrow(RangeError)
  })

  describe('from a file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vre-fingerprints-'))
    afterAll(() => rmSync(dir, { recursive: true, force: true }))

    it('gives what fingerprintBytes gives, on the calling thread for a small file and a worker thread for a large one', async () => {
      const small = join(dir, 'small.bin')
      const large = join(dir, 'large.bin')
      writeFileSync(small, file.subarray(0, 512 * 1024))
      const big = Buffer.concat([file, file.subarray(0, 2 * 1024 * 1024)])
      writeFileSync(large, big)
      const [fromSmall, fromLarge] = await Promise.all([
        fingerprintFile(small, 'small', { maxFingerprints: 50_000 }),
        fingerprintFile(large, 'large')
      ])
      expect(fromSmall).toEqual(fingerprintBytes(file.subarray(0, 512 * 1024), 'small', { maxFingerprints: 50_000 }))
      expect(fromLarge).toEqual(fingerprintBytes(big, 'large'))
    })

    it("takes an encrypted file's fingerprints from its plaintext, on either thread, and refuses another dataset's file", async () => {
      const keyDir = mkdtempSync(join(tmpdir(), 'vre-fingerprint-keys-'))
      const keys = dataDirKeys(keyDir)
      try {
        const { id, key } = keys.keyring.create('dataset', datasetKeyScope('d1', 1))
        const small = file.subarray(0, 512 * 1024)
        const big = Buffer.concat([file, file.subarray(0, 2 * 1024 * 1024)])
        await writeEncryptedFile(join(dir, 'small.enc'), small, id, key, datasetContext('d1'))
        await writeEncryptedFile(join(dir, 'large.enc'), big, id, key, datasetContext('d1'))
        const [fromSmall, fromLarge] = await Promise.all([
          fingerprintEncryptedFile(join(dir, 'small.enc'), 'small', keys.keyring, datasetContext('d1')),
          fingerprintEncryptedFile(join(dir, 'large.enc'), 'large', keys.keyring, datasetContext('d1'))
        ])
        expect(fromSmall).toEqual(fingerprintBytes(small, 'small'))
        expect(fromLarge).toEqual(fingerprintBytes(big, 'large'))
        await expect(
          fingerprintEncryptedFile(join(dir, 'large.enc'), 'large', keys.keyring, datasetContext('d2'))
        ).rejects.toThrow(/is "dataset:d1", not "dataset:d2"/)
      } finally {
        closeKeys(keys)
        rmSync(keyDir, { recursive: true, force: true })
      }
    })

    it('fails with the reason when the file cannot be read', async () => {
      await expect(fingerprintFile(join(dir, 'missing.duckdb'), 'missing')).rejects.toThrow(/ENOENT/)
    })
  })
})

describe('dataset fingerprints: matching', () => {
  const slice = throughTty(binaryPart(1_500_000, 20_000))

  it('counts each fingerprint once a session, however often it is shown', () => {
    const matcher = new FingerprintMatcher([prints])
    const first = matcher.feed(slice)
    expect(first).toBeGreaterThan(8)
    expect(matcher.feed(slice)).toBe(0)
    expect(matcher.feed(slice, 'another')).toBe(0)
    expect(matcher.matches()).toEqual({ claims: first })
  })

  it('counts per dataset name, every dataset named even with nothing seen', () => {
    const other = fingerprintBytes(datasetLike(1024 * 1024, 44), 'prescriptions')
    const matcher = new FingerprintMatcher([prints, other])
    matcher.feed(slice)
    expect(matcher.matches().claims).toBeGreaterThan(8)
    expect(matcher.matches().prescriptions).toBe(0)
  })

  it('keeps streams apart: two outputs interleaved match as each alone', () => {
    const other = throughTty(binaryPart(3_000_000, 20_000))
    const alone = new FingerprintMatcher([prints])
    const expected = alone.feed(slice, 'a') + alone.feed(other, 'b')
    const interleaved = new FingerprintMatcher([prints])
    let seen = 0
    for (let i = 0; i < Math.max(slice.length, other.length); i += 100) {
      seen += interleaved.feed(slice.subarray(i, i + 100), 'terminal')
      seen += interleaved.feed(other.subarray(i, i + 100), 'cell')
    }
    expect(seen).toBe(expected)
    // the same in one stream: only windows within one 40-byte piece survive
    const mixed = new FingerprintMatcher([prints])
    let mixedSeen = 0
    for (let i = 0; i < slice.length; i += 40) {
      mixedSeen += mixed.feed(slice.subarray(i, i + 40)) + mixed.feed(other.subarray(i, i + 40))
    }
    expect(mixedSeen).toBeLessThan(expected / 2)
  })

  it('matches nothing without datasets', () => {
    const matcher = new FingerprintMatcher([])
    expect(matcher.feed(slice)).toBe(0)
    expect(matcher.matches()).toEqual({})
  })
})
