import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { endsMidCharacter, Recording } from './recording.js'

const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

function recording() {
  const dir = mkdtempSync(join(tmpdir(), 'vre-rec-'))
  dirs.push(dir)
  const file = join(dir, 'recordings', 's.cast')
  let t = 1_000_000
  const clock = { advance: (ms: number) => (t += ms) }
  const rec = new Recording(file, { cols: 80, rows: 24 }, () => t)
  const events = () =>
    readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => JSON.parse(l) as [number, string, string])
  return { rec, clock, events }
}

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
    const { rec, events } = recording()
    rec.output(Buffer.from('quiet'))
    await new Promise((r) => setTimeout(r, 150))
    expect(events()).toEqual([[0, 'o', 'quiet']])
    await rec.close()
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
