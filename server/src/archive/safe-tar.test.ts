import { PassThrough, Readable } from 'node:stream'
import { pack } from 'tar-stream'
import { describe, expect, it } from 'vitest'
import { filterTar, UnsafeArchive, unsafeName } from './safe-tar.js'

type Entry = {
  name: string
  type?: 'file' | 'directory' | 'symlink' | 'link' | 'character-device' | 'fifo'
  body?: string
  linkname?: string
  mode?: number
}

async function tarOf(entries: Entry[]): Promise<Buffer> {
  const p = pack()
  for (const e of entries) {
    p.entry(
      { name: e.name, type: e.type ?? 'file', mode: e.mode ?? 0o644, ...(e.linkname ? { linkname: e.linkname } : {}) },
      e.body ?? ''
    )
  }
  p.finalize()
  const chunks: Buffer[] = []
  for await (const c of p) chunks.push(Buffer.from(c as Uint8Array))
  return Buffer.concat(chunks)
}

const limits = { maxEntries: 10, maxEntryBytes: 100, maxTotalBytes: 150 }

async function collect(out: PassThrough): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const c of out) chunks.push(c as Buffer)
  return Buffer.concat(chunks)
}

describe('filterTar', () => {
  it('passes plain files and directories through, without setuid bits', async () => {
    const input = await tarOf([
      { name: 'work/', type: 'directory' },
      { name: 'work/a.csv', body: 'x,y\n1,2\n' },
      { name: 'work/run.sh', body: 'echo', mode: 0o4755 }
    ])
    const out = new PassThrough()
    const got = collect(out)
    const result = await filterTar(Readable.from(input), out, { limits, unsafeEntries: 'refuse' })
    expect(result.entries.map((e) => [e.name, e.type, e.size])).toEqual([
      ['work/', 'directory', 0],
      ['work/a.csv', 'file', 8],
      ['work/run.sh', 'file', 4]
    ])
    expect(result.entries[2]!.mode).toBe(0o755)
    const again = await filterTar(Readable.from(await got), null, { limits, unsafeEntries: 'refuse' })
    expect(again.entries.map((e) => e.name)).toEqual(['work/', 'work/a.csv', 'work/run.sh'])
  })

  for (const [name, entry, why] of [
    ['an absolute path', { name: '/etc/passwd', body: 'x' }, /absolute path/],
    ['a parent segment', { name: 'work/../../etc/cron.d/x', body: 'x' }, /"\.\." path segment/],
    ['a symlink', { name: 'work/link', type: 'symlink', linkname: '/etc/shadow' }, /type symlink/],
    ['a hardlink', { name: 'work/hard', type: 'link', linkname: 'work/a' }, /type link/],
    ['a device', { name: 'work/dev', type: 'character-device' }, /type character-device/],
    ['a FIFO', { name: 'work/fifo', type: 'fifo' }, /type fifo/]
  ] as const) {
    it(`refuses ${name}`, async () => {
      const input = await tarOf([{ name: 'ok.txt', body: 'fine' }, entry as Entry])
      await expect(
        filterTar(Readable.from(input), new PassThrough(), { limits, unsafeEntries: 'refuse' })
      ).rejects.toThrow(why)
    })
  }

  it('drops links and devices in drop mode but still refuses traversal', async () => {
    const input = await tarOf([
      { name: 'a.txt', body: 'a' },
      { name: 'l', type: 'symlink', linkname: '/etc/shadow' },
      { name: 'd', type: 'character-device' }
    ])
    const r = await filterTar(Readable.from(input), null, { limits, unsafeEntries: 'drop' })
    expect(r.entries.map((e) => e.name)).toEqual(['a.txt'])
    expect(r.dropped).toEqual([
      { name: 'l', type: 'symlink' },
      { name: 'd', type: 'character-device' }
    ])
    const bad = await tarOf([{ name: '../x', body: 'a' }])
    await expect(filterTar(Readable.from(bad), null, { limits, unsafeEntries: 'drop' })).rejects.toThrow(UnsafeArchive)
  })

  it('enforces the caps on entry count, entry size and total size', async () => {
    const many = await tarOf(Array.from({ length: 11 }, (_, i) => ({ name: `f${i}`, body: 'x' })))
    await expect(filterTar(Readable.from(many), null, { limits, unsafeEntries: 'refuse' })).rejects.toThrow(
      /more than 10 entries/
    )
    const big = await tarOf([{ name: 'big', body: 'x'.repeat(101) }])
    await expect(filterTar(Readable.from(big), null, { limits, unsafeEntries: 'refuse' })).rejects.toThrow(/101 bytes/)
    const total = await tarOf([
      { name: 'a', body: 'x'.repeat(80) },
      { name: 'b', body: 'x'.repeat(80) }
    ])
    await expect(filterTar(Readable.from(total), null, { limits, unsafeEntries: 'refuse' })).rejects.toThrow(
      /larger than 150 bytes/
    )
  })

  it('refuses a truncated or garbage stream', async () => {
    const input = await tarOf([{ name: 'a', body: 'x'.repeat(90) }])
    await expect(
      filterTar(Readable.from(input.subarray(0, 600)), null, { limits, unsafeEntries: 'refuse' })
    ).rejects.toThrow(UnsafeArchive)
    await expect(
      filterTar(Readable.from(Buffer.alloc(1024, 7)), null, { limits, unsafeEntries: 'refuse' })
    ).rejects.toThrow(UnsafeArchive)
  })
})

describe('unsafeName', () => {
  it('accepts ordinary relative names and refuses the rest', () => {
    expect(unsafeName('work/outbox/table 1.csv')).toBeNull()
    expect(unsafeName('./outbox/a')).toBeNull()
    expect(unsafeName('work//a')).not.toBeNull()
    expect(unsafeName('a\\..\\b')).not.toBeNull()
    expect(unsafeName('')).not.toBeNull()
  })
})
