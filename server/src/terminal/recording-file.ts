import { closeSync, createReadStream, openSync, readSync } from 'node:fs'
import { pipeline } from 'node:stream/promises'
import { Writable } from 'node:stream'
import { decryptingStream, EncryptedFileError, type KeyLookup, LAST, MAGIC, TAG } from '../keys/encrypted-file.js'


/**
 * The plaintext bytes of a recording part, from its chunk lengths as far as whole chunks go: a part
 * still being written, or one a crash cut short, counts what it holds. For the recording cap only
 * (not authenticated: a playback decrypts and checks every chunk).
 */
export function partPlainSize(file: string): number {
  const fd = openSync(file, 'r')
  try {
    const head = Buffer.alloc(10)
    if (readSync(fd, head, 0, 10, 0) !== 10 || !head.subarray(0, 8).equals(MAGIC)) return 0
    let at = 10 + head.readUInt16BE(8)
    let size = 0
    const w = Buffer.alloc(4)
    const probe = Buffer.alloc(1)
    while (readSync(fd, w, 0, 4, at) === 4) {
      const n = w.readUInt32BE(0) & ~LAST
      // a chunk counts once all of it is there: its last byte (of the tag) can be read
      if (readSync(fd, probe, 0, 1, at + 4 + n + TAG - 1) !== 1) break
      size += n
      at += 4 + n + TAG
      if ((w.readUInt32BE(0) & LAST) !== 0) break
    }
    return size
  } finally {
    closeSync(fd)
  }
}

/** A part's text as it plays back: what authenticates, and whether the part was closed. */
export interface PartText {
  text: Buffer
  /** false: the gateway stopped before it closed the part (its last chunk is missing) */
  complete: boolean
}

/**
 * A recording part decrypted and authenticated. A part a crash cut short (its last chunk missing,
 * a chunk half written) gives the chunks before the cut, with `complete: false`; a chunk that does
 * not authenticate (the file was changed) is an error, and nothing of the part is given.
 */
export async function readPart(file: string, lookup: KeyLookup, context: string): Promise<PartText> {
  const out: Buffer[] = []
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      out.push(chunk)
      done()
    }
  })
  try {
    await pipeline(createReadStream(file), decryptingStream(lookup, context), sink)
    return { text: Buffer.concat(out), complete: true }
  } catch (err) {
    // every chunk given so far authenticated; only the end is missing
    if (err instanceof EncryptedFileError && /cut short/.test(err.message)) {
      return { text: Buffer.concat(out), complete: false }
    }
    throw err
  }
}

/**
 * The asciicast text to play: a part cut short ends with an event that says so, at the time of its
 * last recorded event, so the player shows it where the recording stops.
 */
export function playbackText(part: PartText): Buffer {
  if (part.complete) return part.text
  const lines = part.text
    .toString('utf8')
    .split('\n')
    .filter((l) => l !== '')
  let t = 0
  const last = lines.at(-1)
  if (lines.length > 1 && last !== undefined) {
    try {
      const event = JSON.parse(last) as unknown
      if (Array.isArray(event) && typeof event[0] === 'number') t = event[0]
    } catch {
      // the last line is whole (each chunk is whole lines); a line that does not parse just gets time 0
    }
  }
  const mark = '\r\n[recording cut short: the gateway stopped before this part was closed]\r\n'
  return Buffer.concat([part.text, Buffer.from(`${JSON.stringify([t, 'o', mark])}\n`)])
}
