import { createHash } from 'node:crypto'
import sharp from 'sharp'
import type { Disarm } from './disclosure/types.js'

/**
 * Content disarm and reconstruction for exported images. A PNG or JPEG can carry anything besides
 * its picture: bytes after its end, ancillary chunks, EXIF, ICC profiles, comments. Decoding it to
 * pixels and encoding those again keeps the picture and nothing else; the re-encoded file is what
 * is stored, checked, previewed and released. Decoding runs on libvips' own threads, not the
 * gateway's event loop, and refuses anything odd (failOn 'warning') or too large.
 */

/** The extensions disarmed, and the format their bytes must decode as. */
const FORMATS: Record<string, 'png' | 'jpeg'> = { png: 'png', jpg: 'jpeg', jpeg: 'jpeg' }

/** Pixels an exported figure may have: 40 megapixels is far beyond any figure in a paper. */
export const MAX_IMAGE_PIXELS = 40_000_000

/** How long a sentence of the decoder's may be when quoted. */
const REASON_MAX = 200

// untrusted input is never kept in libvips' operation cache
sharp.cache(false)

/** Whether a file of this name is disarmed before it is stored. */
export function disarmable(name: string): boolean {
  return FORMATS[extension(name)] !== undefined
}

export interface Disarmed {
  /** the bytes to store: the re-encoding, or the original when it could not be decoded */
  bytes: Buffer
  disarm: Disarm
}

/**
 * Decodes `bytes` as the image type `name` says and encodes its pixels again: orientation applied,
 * metadata, trailing bytes and ancillary chunks gone. Bytes that do not decode as that type (or
 * decode as another) come back as they are, with the reason, for the checks to fail.
 */
export async function disarmImage(name: string, bytes: Buffer): Promise<Disarmed> {
  const format = FORMATS[extension(name)]
  if (format === undefined) throw new Error(`not an image type that is disarmed: ${name.slice(0, 80)}`)
  const undecodable = (reason: string): Disarmed => ({ bytes, disarm: { undecodable: reason } })
  let out: Buffer
  try {
    const image = sharp(bytes, { failOn: 'warning', limitInputPixels: MAX_IMAGE_PIXELS, animated: false })
    const { format: found } = await image.metadata()
    if (found !== format) {
      return undecodable(
        `its bytes decode as ${found === undefined ? 'no known image type' : `a ${found.toUpperCase()} image`}, not as ${format.toUpperCase()}`
      )
    }
    const oriented = image.autoOrient()
    out =
      format === 'png'
        ? await oriented.png({ compressionLevel: 9, adaptiveFiltering: false }).toBuffer()
        : await oriented.jpeg({ quality: 92, progressive: false, mozjpeg: false }).toBuffer()
  } catch (err) {
    return undecodable(`it does not decode as a ${format.toUpperCase()} image (${decoderReason(err)})`)
  }
  return { bytes: out, disarm: { original: { sha256: sha256(bytes), size: bytes.length } } }
}

function extension(name: string): string {
  const dot = name.lastIndexOf('.')
  return dot > 0 ? name.slice(dot + 1).toLowerCase() : ''
}

/** The decoder's first sentence, without its library's name, capped. */
function decoderReason(err: unknown): string {
  const first = (err instanceof Error ? err.message : String(err)).split('\n')[0] ?? ''
  const text = first
    .replace(/^Input (buffer|file) /, 'the file ')
    .replace(/Vips\w*: /g, '')
    .trim()
  return text.length > REASON_MAX ? `${text.slice(0, REASON_MAX - 1)}…` : text || 'no reason given'
}

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex')
