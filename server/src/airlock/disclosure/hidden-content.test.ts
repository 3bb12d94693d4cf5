import { crc32, deflateSync } from 'node:zlib'
import sharp from 'sharp'
import { describe, expect, it } from 'vitest'
import { encodedTextRule, imageContentRule } from './hidden-content.js'
import { imageExtras } from './image-structure.js'

const ROWS = Buffer.from(
  Array.from(
    { length: 50 },
    (_, i) => `P${(0x1a2b3c + i * 7919).toString(16).toUpperCase().padStart(12, '0')},F,1961-04,13,LLE\n`
  ).join('')
)
const PNG = await sharp({ create: { width: 8, height: 6, channels: 3, background: '#336699' } })
  .png()
  .toBuffer()
const JPEG = await sharp({ create: { width: 8, height: 6, channels: 3, background: '#336699' } })
  .jpeg()
  .toBuffer()

/** A PNG chunk of `type` holding `data`, with its checksum. */
function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8)
  head.writeUInt32BE(data.length, 0)
  head.write(type, 4, 'latin1')
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0)
  return Buffer.concat([head, data, crc])
}
/** `PNG` with `extra` put before its IEND. */
const beforeEnd = (extra: Buffer) =>
  Buffer.concat([PNG.subarray(0, PNG.length - 12), extra, PNG.subarray(PNG.length - 12)])

describe('encoded data in text outputs', () => {
  it('fails the dataset as hex or base64, saying where it starts', () => {
    const hex = encodedTextRule('notes.txt', Buffer.from(`Results.\n\n${ROWS.toString('hex')}\n`))
    expect(hex).toMatchObject({
      rule: 'file-type',
      outcome: 'fail',
      message: expect.stringMatching(
        /^"notes\.txt" holds \d+ bytes of encoded data .*first noticed by line 3\..*cannot leave/
      )
    })
    expect(hex.rows).toEqual([2])
    const b64 = encodedTextRule('model.json', Buffer.from(JSON.stringify({ rows: ROWS.toString('base64') })))
    expect(b64.outcome).toBe('fail')
    const wrapped = ROWS.toString('base64').replace(/.{76}/g, '$&\n')
    expect(encodedTextRule('appendix.md', Buffer.from(`# Appendix\n\n${wrapped}\n`)).outcome).toBe('fail')
  })

  it('fails encoded text inside a CSV cell', () => {
    const csv = `region,n,note\nA,120,${ROWS.toString('base64')}\nB,130,ok\n`
    expect(encodedTextRule('by-region.csv', Buffer.from(csv))).toMatchObject({ outcome: 'fail', rows: [1] })
  })

  it('passes ordinary text, tables and a short digest', () => {
    const ordinary = [
      '# Methods\n\nWe fitted an OLS model of cost on age band and sex (n = 1,204).\n',
      `region,n,mean_cost\n${Array.from({ length: 300 }, (_, i) => `R${i},${100 + (i % 50)},${(1234.5 + i).toFixed(1)}`).join('\n')}\n`,
      `Release digest: ${'ab12'.repeat(16)}\n`
    ]
    for (const text of ordinary)
      expect(encodedTextRule('x.txt', Buffer.from(text)).outcome, text.slice(0, 40)).toBe('pass')
  })
})

describe('image structure: a picture and nothing else', () => {
  it('finds bytes after the end, ancillary chunks and damaged chunks in a PNG', () => {
    expect(imageExtras('png', PNG)).toBeNull()
    expect(imageExtras('png', Buffer.concat([PNG, ROWS]))).toBe(`${ROWS.length} bytes follow the end of the picture`)
    expect(imageExtras('png', beforeEnd(chunk('tEXt', ROWS)))).toBe(
      'it holds a tEXt chunk, which is not part of the picture'
    )
    expect(imageExtras('png', beforeEnd(chunk('pHYs', Buffer.alloc(90))))).toMatch(/pHYs chunk is longer/)
    const damaged = Buffer.from(PNG)
    damaged[20] = damaged[20]! ^ 0xff
    expect(imageExtras('png', damaged)).toMatch(/IHDR chunk is damaged/)
  })

  it('finds data hidden after the compressed pixels of a PNG', () => {
    const idat = chunk('IDAT', Buffer.concat([deflateSync(Buffer.alloc(6 * (1 + 8 * 3))), ROWS]))
    const forged = Buffer.concat([PNG.subarray(0, 33), idat, chunk('IEND', Buffer.alloc(0))])
    expect(imageExtras('png', forged)).toBe(`${ROWS.length} bytes follow the compressed pixels`)
  })

  it('finds metadata, comments and bytes after the end in a JPEG', () => {
    expect(imageExtras('jpeg', JPEG)).toBeNull()
    expect(imageExtras('jpeg', Buffer.concat([JPEG, ROWS]))).toBe(`${ROWS.length} bytes follow the end of the picture`)
    const segment = (marker: number, data: Buffer) =>
      Buffer.concat([Buffer.from([0xff, marker, (data.length + 2) >> 8, (data.length + 2) & 0xff]), data])
    const withSegment = (marker: number) =>
      Buffer.concat([JPEG.subarray(0, 2), segment(marker, ROWS.subarray(0, 200)), JPEG.subarray(2)])
    expect(imageExtras('jpeg', withSegment(0xe1))).toMatch(/APP1 segment/)
    expect(imageExtras('jpeg', withSegment(0xfe))).toBe('it holds a comment segment')
    expect(imageExtras('jpeg', Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), ROWS]))).toMatch(/APP0/)
  })

  it('fails an image that did not decode, and passes a re-encoded one naming the submitted digest', () => {
    expect(
      imageContentRule('photo.jpg', 'jpeg', JPEG, { undecodable: 'it does not decode as a JPEG image (premature end)' })
    ).toMatchObject({
      outcome: 'fail',
      message: expect.stringMatching(
        /^"photo\.jpg" is named \.jpg but it does not decode as a JPEG image \(premature end\)\./
      )
    })
    const original = { sha256: 'ab'.repeat(32), size: 12345 }
    expect(imageContentRule('chart.png', 'png', PNG, { original })).toMatchObject({
      outcome: 'pass',
      message: expect.stringMatching(/re-encoded when it was submitted \(submitted: 12345 bytes, SHA-256 (ab){32}\)/)
    })
    // what was stored is checked too: a re-encoding is never taken on trust
    expect(imageContentRule('chart.png', 'png', Buffer.concat([PNG, ROWS]), { original })).toMatchObject({
      outcome: 'fail',
      message: expect.stringMatching(/holds more than a picture: \d+ bytes follow the end of the picture/)
    })
  })
})
