import { crc32, inflateSync } from 'node:zlib'

/**
 * What an image's bytes hold besides its picture, read from its structure: the checks' proof that a
 * stored image is only a picture (the gateway re-encodes every image before storing it; this is
 * what the checks see of that). Pure and synchronous. `null` when the file holds only what a
 * re-encoding writes; otherwise what else it holds, as the end of a sentence.
 */
export function imageExtras(type: 'png' | 'jpeg', bytes: Uint8Array): string | null {
  return type === 'png' ? pngExtras(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length)) : jpegExtras(bytes)
}

/** Chunks a re-encoded PNG may have: the picture's own, and its pixel size (nine bytes). */
const PNG_CHUNKS = new Set(['IHDR', 'PLTE', 'tRNS', 'pHYs', 'IDAT', 'IEND'])
/** Samples per pixel by PNG colour type. */
const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 }

function pngExtras(b: Buffer): string | null {
  let i = 8
  let header: { width: number; height: number; depth: number; channels: number; interlaced: boolean } | null = null
  const idat: Buffer[] = []
  while (i + 12 <= b.length) {
    const length = b.readUInt32BE(i)
    const type = b.toString('latin1', i + 4, i + 8)
    const end = i + 12 + length
    if (end > b.length) return `its ${printable(type)} chunk runs past the end of the file`
    if (crc32(b.subarray(i + 4, i + 8 + length)) !== b.readUInt32BE(i + 8 + length)) {
      return `its ${printable(type)} chunk is damaged (wrong checksum)`
    }
    if (!PNG_CHUNKS.has(type)) return `it holds a ${printable(type)} chunk, which is not part of the picture`
    const data = b.subarray(i + 8, i + 8 + length)
    if (type === 'IHDR' && length === 13) {
      header = {
        width: data.readUInt32BE(0),
        height: data.readUInt32BE(4),
        depth: data[8]!,
        channels: CHANNELS[data[9]!] ?? 0,
        interlaced: data[12] !== 0
      }
    }
    if (type === 'pHYs' && length !== 9) return 'its pHYs chunk is longer than a pixel size'
    if (type === 'IDAT') idat.push(data)
    i = end
    if (type === 'IEND') {
      if (i < b.length) return `${b.length - i} bytes follow the end of the picture`
      return header === null ? 'it has no valid IHDR chunk' : pixelData(header, Buffer.concat(idat))
    }
  }
  return 'it does not end like a PNG (no IEND chunk)'
}

/** The compressed pixels must be exactly the picture's rows, and the whole of the compressed stream. */
function pixelData(
  h: { width: number; height: number; depth: number; channels: number; interlaced: boolean },
  compressed: Buffer
): string | null {
  if (h.channels === 0 || h.interlaced) return 'its pixel layout is not one a re-encoding writes'
  const expected = h.height * (1 + Math.ceil((h.width * h.channels * h.depth) / 8))
  let inflated: { buffer: Buffer; engine: { bytesWritten: number } }
  try {
    inflated = inflateSync(compressed, { info: true, maxOutputLength: expected + 1 }) as unknown as typeof inflated
  } catch {
    return 'its pixel data does not decompress to the picture its header describes'
  }
  if (inflated.buffer.length !== expected) return 'its pixel data is not the size its header describes'
  if (inflated.engine.bytesWritten !== compressed.length) {
    return `${compressed.length - inflated.engine.bytesWritten} bytes follow the compressed pixels`
  }
  return null
}

function jpegExtras(b: Uint8Array): string | null {
  if (b[0] !== 0xff || b[1] !== 0xd8) return 'it does not start like a JPEG'
  let i = 2
  while (i < b.length) {
    if (b[i] !== 0xff) return 'it holds bytes outside any JPEG segment'
    while (b[i] === 0xff) i++
    const marker = b[i++]
    if (marker === undefined) break
    if (marker === 0xd9) return i === b.length ? null : `${b.length - i} bytes follow the end of the picture`
    if (marker >= 0xe0 && marker <= 0xef) return `it holds an APP${marker - 0xe0} segment (metadata such as EXIF)`
    if (marker === 0xfe) return 'it holds a comment segment'
    if (!JPEG_SEGMENTS.has(marker)) return `it holds a segment of type 0x${marker.toString(16)}, not part of a picture`
    if (i + 2 > b.length) break
    i += (b[i]! << 8) | b[i + 1]!
    if (marker === 0xda) {
      // entropy-coded data runs to the next marker that is neither a stuffed 0xff nor a restart
      while (i + 1 < b.length && !(b[i] === 0xff && b[i + 1] !== 0 && (b[i + 1]! < 0xd0 || b[i + 1]! > 0xd7))) i++
    }
  }
  return 'it does not end like a JPEG (no end-of-image marker)'
}

/** Frames, tables, restart intervals and scans: what a decoder needs and nothing else. */
const JPEG_SEGMENTS = new Set([0xc0, 0xc1, 0xc2, 0xc4, 0xdb, 0xdd, 0xda])

function printable(type: string): string {
  return /^[A-Za-z]{4}$/.test(type) ? type : 'unreadable'
}
