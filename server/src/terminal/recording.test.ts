import { createHash } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../config/config.js'
import { EncryptedFileError, openBytes } from '../keys/encrypted-file.js'
import { Keyring } from '../keys/keyring.js'
import { openProvider } from '../keys/keys.js'
import type { KeyProvider } from '../keys/provider/key-provider.js'
import {
  type ClosedPart,
  createRecorder,
  inputRoom,
  endsMidCharacter,
  playbackText,
  readPart,
  Recording,
  recordingContext,
  recordingParts
} from './recording.js'

const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

// the project keys come from a keyring on the test process's own SoftHSM2 token, as the gateway's do
let provider: KeyProvider
let ring: Keyring
let keyDir: string
beforeAll(() => {
  keyDir = mkdtempSync(join(tmpdir(), 'vre-rec-keys-'))
  provider = openProvider(loadConfig({ dataDir: keyDir }))
  ring = Keyring.open(provider, keyDir, { create: true })
})
afterAll(() => {
  ring.close()
  provider.close()
  rmSync(keyDir, { recursive: true, force: true })
})
const lookup = (id: string) => ring.key(id)
/** A part's text, decrypted and authenticated whole. */
const plain = (file: string, context: string) => openBytes(readFileSync(file), lookup, context)

function recording() {
  const dir = mkdtempSync(join(tmpdir(), 'vre-rec-'))
  dirs.push(dir)
  const file = join(dir, 'recordings', 's.cast')
  let t = 1_000_000
  const clock = { advance: (ms: number) => (t += ms) }
  const { id, key } = ring.projectKey('p')
  const rec = new Recording(file, { cols: 80, rows: 24 }, () => t, { keyId: id, key, context: 'recording:s/1' })
  const events = () =>
    plain(file, 'recording:s/1')
      .toString('utf8')
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => JSON.parse(l) as [number, string, string])
  return { rec, clock, events, file }
}

/** The events of an asciicast text, its header left out. */
const eventsOf = (text: Buffer) =>
  text
    .toString('utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => JSON.parse(l) as [number, string, string])

describe('terminal recording (asciicast v2)', () => {
  it('writes a burst of output as one event at the time of its first chunk, keeping a split character whole', async () => {
    const { rec, clock, events } = recording()
    clock.advance(1500)
    const word = Buffer.from('患者', 'utf8')
    rec.output(Buffer.from('a\r\n'))
    clock.advance(10)
    rec.output(word.subarray(0, 2))
    rec.output(word.subarray(2))
    await rec.close()
    expect(events()).toEqual([[1.5, 'o', 'a\r\n患者']])
  })

  it('keeps a character whole when the batches split it, and ASCII batches around it unchanged', async () => {
    const { rec, events } = recording()
    const word = Buffer.from('患者', 'utf8') // three bytes each
    rec.output(Buffer.concat([Buffer.from('abc'), word.subarray(0, 2)]))
    rec.input('x') // typing ends the batch in the middle of 患
    rec.output(Buffer.concat([word.subarray(2), Buffer.from('def')]))
    rec.input('y')
    rec.output(Buffer.from('plain\r\n'))
    rec.output(Buffer.from([0x61, 0xe6])) // a character that never completes shows as U+FFFD
    rec.input('z')
    rec.output(Buffer.from('ok'))
    await rec.close()
    expect(events().map(([, kind, data]) => [kind, data])).toEqual([
      ['o', 'abc'],
      ['i', 'x'],
      ['o', '患者def'],
      ['i', 'y'],
      ['o', 'plain\r\na'],
      ['i', 'z'],
      ['o', '\ufffdok']
    ])
  })

  it('tells whether bytes end inside a UTF-8 character', () => {
    const ja = Buffer.from('患', 'utf8')
    const emoji = Buffer.from('😀', 'utf8')
    expect(endsMidCharacter(Buffer.from('abc'))).toBe(false)
    expect(endsMidCharacter(ja)).toBe(false)
    expect(endsMidCharacter(ja.subarray(0, 1))).toBe(true)
    expect(endsMidCharacter(ja.subarray(0, 2))).toBe(true)
    expect(endsMidCharacter(emoji)).toBe(false)
    expect(endsMidCharacter(emoji.subarray(0, 3))).toBe(true)
    expect(endsMidCharacter(Buffer.alloc(0))).toBe(false)
  })

  it('keeps typing and resizes in order with the output around them', async () => {
    const { rec, clock, events } = recording()
    rec.output(Buffer.from('$ '))
    clock.advance(100)
    rec.input('ls\r')
    clock.advance(100)
    rec.output(Buffer.from('file\r\n'))
    rec.resize(100, 30)
    rec.output(Buffer.from('$ '))
    await rec.close()
    expect(events()).toEqual([
      [0, 'o', '$ '],
      [0.1, 'i', 'ls\r'],
      [0.2, 'o', 'file\r\n'],
      [0.2, 'r', '100x30'],
      [0.2, 'o', '$ ']
    ])
  })

  it('writes held output within 50 ms even when nothing else happens', async () => {
    const { rec, file } = recording()
    rec.output(Buffer.from('quiet'))
    await new Promise((r) => setTimeout(r, 150))
    // the part is still open (no last chunk yet): what it holds so far authenticates and plays
    const part = await readPart(file, lookup, 'recording:s/1')
    expect(part.complete).toBe(false)
    expect(eventsOf(part.text)).toEqual([[0, 'o', 'quiet']])
    await rec.close()
  })

  it('plays a part a crash cut short up to its last whole chunk, and says it was cut short', async () => {
    const { rec, clock, file } = recording()
    rec.output(Buffer.from('first\r\n'))
    clock.advance(2000)
    rec.input('ls\r')
    clock.advance(500)
    rec.output(Buffer.from('lost in the crash'))
    await rec.close()
    // the gateway died while writing: the last chunk and half of the one before never reached the disk
    const whole = readFileSync(file)
    writeFileSync(file, whole.subarray(0, whole.length - 20 - 12))
    const part = await readPart(file, lookup, 'recording:s/1')
    expect(part.complete).toBe(false)
    expect(eventsOf(part.text)).toEqual([
      [0, 'o', 'first\r\n'],
      [2, 'i', 'ls\r']
    ])
    const played = eventsOf(playbackText(part))
    expect(played.at(-1)).toEqual([2, 'o', expect.stringMatching(/recording cut short/)])
    expect(played.some(([, , d]) => d.includes('lost in the crash'))).toBe(false)
  })

  it('plays nothing of a part with a flipped byte, nor of a part moved to another session or part', async () => {
    const { rec, file } = recording()
    rec.output(Buffer.from('secret output'))
    await rec.close()
    await expect(readPart(file, lookup, 'recording:other-session/1')).rejects.toThrow(/is "recording:s\/1"/)
    await expect(readPart(file, lookup, 'recording:s/2')).rejects.toThrow(EncryptedFileError)
    const bytes = readFileSync(file)
    bytes[bytes.length - 30]! ^= 0x01
    writeFileSync(file, bytes)
    await expect(readPart(file, lookup, 'recording:s/1')).rejects.toThrow(/does not authenticate/)
    expect(readFileSync(file).includes('secret output')).toBe(false)
  })

  it('writes a flood in batches of at most 256 KiB, losing nothing', async () => {
    const { rec, events } = recording()
    const chunk = Buffer.alloc(16 * 1024, 'x')
    for (let i = 0; i < 64; i++) rec.output(chunk) // 1 MiB
    await rec.close()
    const out = events()
    expect(out.length).toBe(4)
    expect(out.map((e) => e[2]).join('')).toBe('x'.repeat(1024 * 1024))
  })
})

describe('a recording under its quota', () => {
  const SESSION = '0b7d0f64-3c55-4b0e-9a43-5a1f4f2d9c11'
  function recorder(capBytes: number) {
    const dir = mkdtempSync(join(tmpdir(), 'vre-rec-'))
    dirs.push(dir)
    const closed: (ClosedPart & { sessionId: string; part: number })[] = []
    const policy = { capBytes }
    const r = createRecorder({
      dataDir: dir,
      keyring: ring,
      now: () => Date.now(),
      capFor: () => policy.capBytes,
      onClosed: async (p) => void closed.push(p)
    })
    const lines = (part: number) =>
      plain(recordingParts(dir, SESSION)[part - 1]!.file, recordingContext(SESSION, part))
        .toString('utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as unknown)
    return { r, dir, closed, lines, policy }
  }

  it('stops recording output at its share of the cap, and goes on recording typing, the file within the cap', async () => {
    const cap = 64 * 1024
    const { r, dir, closed, lines } = recorder(cap)
    const rec = r.start(SESSION, 'p', { cols: 80, rows: 24 })
    const chunk = Buffer.alloc(4096, 'y')
    for (let i = 0; i < 100; i++) rec.output(chunk) // 400 KiB offered
    rec.input('echo typed-after-the-flood\r')
    rec.output(Buffer.from('after the cap'))
    await rec.close()
    const { file, bytes } = recordingParts(dir, SESSION)[0]!
    expect(bytes).toBeLessThanOrEqual(cap)
    // the output filled its share, not given up early
    expect(bytes).toBeGreaterThan(cap - inputRoom(cap) - 1024)
    const events = lines(1).slice(1) as [number, string, string][]
    const mark = events.findIndex(([, , d]) => d.includes('[output recording truncated at 65536 bytes'))
    expect(mark).toBeGreaterThan(0)
    expect(events.filter(([, , d]) => d.includes('truncated'))).toHaveLength(1)
    // what was typed after the flood is on record; the output after the mark is not
    expect(events.slice(mark + 1)).toEqual([[expect.any(Number), 'i', 'echo typed-after-the-flood\r']])
    expect(closed).toEqual([
      {
        sessionId: SESSION,
        part: 1,
        file,
        bytes,
        // of the recorded text, as a playback decrypts it
        sha256: createHash('sha256')
          .update(plain(file, recordingContext(SESSION, 1)))
          .digest('hex'),
        truncated: true,
        error: null
      }
    ])
  })

  it('ends with one final "truncated" event when typing fills the room kept for it too', async () => {
    const cap = 64 * 1024
    const { r, dir, lines } = recorder(cap)
    const rec = r.start(SESSION, 'p', { cols: 80, rows: 24 })
    for (let i = 0; i < 100; i++) rec.output(Buffer.alloc(4096, 'y'))
    for (let i = 0; i < 100; i++) rec.input('x'.repeat(1000))
    rec.input('after everything')
    await rec.close()
    expect(recordingParts(dir, SESSION)[0]!.bytes).toBeLessThanOrEqual(cap)
    const events = lines(1).slice(1) as [number, string, string][]
    expect(events.at(-1)![2]).toBe('\r\n[recording truncated at 65536 bytes]\r\n')
    expect(events.some(([, , d]) => d === 'after everything')).toBe(false)
  })

  it("counts the session's earlier parts: a restarted gateway records only what is left, and nothing once full", async () => {
    const cap = 64 * 1024
    const { r, dir, closed, policy } = recorder(cap)
    const first = r.start(SESSION, 'p', { cols: 80, rows: 24 })
    first.output(Buffer.alloc(40 * 1024, 'a'))
    await first.close()
    expect(closed.at(-1)).toMatchObject({ part: 1, truncated: false })
    const second = r.start(SESSION, 'p', { cols: 80, rows: 24 })
    second.output(Buffer.alloc(40 * 1024, 'b'))
    for (let i = 0; i < 100; i++) second.input('x'.repeat(1000))
    await second.close()
    expect(closed.at(-1)).toMatchObject({ part: 2, truncated: true })
    const total = recordingParts(dir, SESSION).reduce((n, p) => n + p.bytes, 0)
    expect(total).toBeLessThanOrEqual(cap)
    // full: a third run of the gateway writes no part at all, even under a raised cap
    policy.capBytes = 16 * cap
    const third = r.start(SESSION, 'p', { cols: 80, rows: 24 })
    third.output(Buffer.from('more'))
    await third.close()
    expect(recordingParts(dir, SESSION)).toHaveLength(2)
    expect(closed).toHaveLength(2)
  })

  it('closes every open part when the gateway closes, each told once', async () => {
    const { r, closed, dir } = recorder(1024 * 1024)
    const rec = r.start(SESSION, 'p', { cols: 80, rows: 24 })
    rec.output(Buffer.from('hello'))
    await r.closeAll()
    await rec.close() // the session's end after the gateway's: nothing more
    expect(closed).toHaveLength(1)
    expect(closed[0]).toMatchObject({ part: 1, truncated: false, error: null })
    expect(closed[0]!.bytes).toBe(plain(closed[0]!.file, recordingContext(SESSION, 1)).length)
    expect(recordingParts(dir, SESSION)[0]!.bytes).toBe(closed[0]!.bytes)
  })
})
