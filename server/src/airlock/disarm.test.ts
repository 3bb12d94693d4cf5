import { createHash } from 'node:crypto'
import sharp from 'sharp'
import { describe, expect, it } from 'vitest'
import { disarmable, disarmImage } from './disarm.js'
import { imageExtras } from './disclosure/image-structure.js'

const ROWS = Buffer.from('person_id,sex,birth_ym\nP00000000A1F,F,1961-04\n'.repeat(50))
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex')
const picture = sharp({ create: { width: 60, height: 40, channels: 3, background: '#336699' } })
const pixels = (b: Buffer) => sharp(b).raw().toBuffer()

describe('content disarm of exported images', () => {
  it('drops what follows a PNG, its metadata and text chunks, and keeps its pixels', async () => {
    const png = await picture
      .clone()
      .png()
      .withMetadata({ exif: { IFD0: { Copyright: 'P00000000A1F' } } })
      .toBuffer()
    const submitted = Buffer.concat([png, ROWS])
    expect(imageExtras('png', submitted)).toMatch(/holds a (iCCP|eXIf) chunk/)
    const { bytes, disarm } = await disarmImage('chart.png', submitted)
    expect(disarm).toEqual({ original: { sha256: sha256(submitted), size: submitted.length } })
    expect(bytes.includes(Buffer.from('P00000000A1F'))).toBe(false)
    expect(bytes.includes(Buffer.from('person_id'))).toBe(false)
    expect(imageExtras('png', bytes)).toBeNull()
    expect((await pixels(bytes)).equals(await pixels(png))).toBe(true)
  })

  it('drops EXIF and comments and trailing bytes from a JPEG, and applies its orientation', async () => {
    const jpeg = await sharp({ create: { width: 60, height: 40, channels: 3, background: '#884422' } })
      .jpeg()
      .withMetadata({ orientation: 6, exif: { IFD0: { ImageDescription: 'P00000000A1F' } } })
      .toBuffer()
    const submitted = Buffer.concat([jpeg, ROWS])
    const { bytes, disarm } = await disarmImage('photo.JPG', submitted)
    expect('original' in disarm).toBe(true)
    expect(bytes.includes(Buffer.from('P00000000A1F'))).toBe(false)
    expect(bytes.includes(Buffer.from('person_id'))).toBe(false)
    expect(imageExtras('jpeg', bytes)).toBeNull()
    // orientation 6 turns it a quarter: the re-encoding is upright, 40 wide
    expect(await sharp(bytes).metadata()).toMatchObject({ format: 'jpeg', width: 40, height: 60 })
  })

  it('gives back bytes that do not decode as their type unchanged, with the reason', async () => {
    const header = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), ROWS])
    const jpg = await disarmImage('photo.jpg', header)
    expect(jpg.bytes).toBe(header)
    expect(jpg.disarm).toEqual({ undecodable: expect.stringMatching(/^it does not decode as a JPEG image \(.+\)$/) })
    const png = await picture.clone().png().toBuffer()
    const named = await disarmImage('chart.jpg', png)
    expect(named.disarm).toEqual({ undecodable: 'its bytes decode as a PNG image, not as JPEG' })
    const truncated = await disarmImage('chart.png', png.subarray(0, png.length - 20))
    expect(truncated.disarm).toMatchObject({ undecodable: expect.stringMatching(/does not decode as a PNG image/) })
  })

  it('refuses an image of more pixels than a figure needs', async () => {
    const huge = await sharp({ create: { width: 8000, height: 6000, channels: 3, background: '#000000' } })
      .png()
      .toBuffer()
    const { disarm } = await disarmImage('huge.png', huge)
    expect(disarm).toMatchObject({ undecodable: expect.stringMatching(/pixel limit/) })
  })

  it('disarms PNG and JPEG only', () => {
    expect(['a.png', 'b.JPG', 'c.jpeg'].map(disarmable)).toEqual([true, true, true])
    expect(['a.csv', 'b.pdf', 'png', 'c.png.txt'].map(disarmable)).toEqual([false, false, false, false])
  })
})
