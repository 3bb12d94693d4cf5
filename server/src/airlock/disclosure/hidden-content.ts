import { EncodedOutputScanner } from '../../display/detect/encoded.js'
import { imageExtras } from './image-structure.js'
import { invisibleTextRule } from './invisible-text.js'
import type { Disarm, RuleResult } from './types.js'
import { quote, result } from './wording.js'

/** Lines of a text output a finding lists at most. */
const LINES_LISTED = 50

/**
 * Encoded data in a text output (a TXT, MD or JSON, the cells of a CSV): long base64, hex, escaped
 * bytes, bytes written as numbers or other high-entropy runs. Encoded data can carry anything, a
 * dataset included, and no check can read what it holds, so it fails. The terminal's scanner for
 * encoded output reads the file, line by line so the finding can say where. Text no reader sees
 * (zero-width characters, whitespace at line ends) is found by invisibleTextRule.
 */
export function encodedTextRule(name: string, bytes: Uint8Array): RuleResult {
  // the whole file at once (most files hold nothing encoded); line by line only to say where
  const whole = new EncodedOutputScanner()
  if (whole.feed(bytes).encodedBytes + whole.flush().encodedBytes === 0) {
    // nothing encoded a reader can see: then nothing a reader cannot see either
    const invisible = invisibleTextRule(name, bytes)
    if (invisible.outcome !== 'pass') return invisible
    return result('file-type', 'pass', `"${quote(name)}" holds no long run of encoded data (base64, hex or the like) and no invisible characters.`)
  }
  const scanner = new EncodedOutputScanner()
  let encoded = 0
  const lines: number[] = []
  let line = 0
  let start = 0
  const take = (n: number) => {
    if (n === 0) return
    encoded += n
    if (lines.length < LINES_LISTED) lines.push(line)
  }
  for (let i = bytes.indexOf(0x0a); ; i = bytes.indexOf(0x0a, start)) {
    const end = i < 0 ? bytes.length : i + 1
    if (end > start) take(scanner.feed(bytes.subarray(start, end)).encodedBytes)
    if (i < 0) break
    start = end
    line++
  }
  take(scanner.flush().encodedBytes)
  const r = result(
    'file-type',
    'fail',
    `"${quote(name)}" holds ${encoded} bytes of encoded data (base64, hex, bytes as numbers or another high-entropy run), first noticed by line ${lines[0]! + 1}. Encoded data can carry anything, a dataset included, and no check can read what it holds, so it cannot leave: export the results themselves, as a table or plain text.`
  )
  r.rows = lines
  return r
}

/**
 * An image as stored: the gateway decodes and re-encodes every PNG and JPEG (content disarm), so
 * trailing bytes, ancillary chunks, EXIF, ICC profiles and comments are gone. This fails an image
 * that could not be decoded as its type, and any image whose bytes still hold more than a picture
 * (proof, from the bytes themselves, that nothing is hidden beside the pixels).
 */
export function imageContentRule(name: string, type: 'png' | 'jpeg', bytes: Uint8Array, disarm?: Disarm): RuleResult {
  if (disarm !== undefined && 'undecodable' in disarm) {
    return result(
      'file-type',
      'fail',
      `"${quote(name)}" is named .${quote(name.slice(name.lastIndexOf('.') + 1).toLowerCase(), 8)} but ${disarm.undecodable}. A file that is not the image it claims to be may hide anything: export the figure again from the plotting library.`
    )
  }
  const extra = imageExtras(type, bytes)
  if (extra !== null) {
    return result(
      'file-type',
      'fail',
      `"${quote(name)}" holds more than a picture: ${extra}. Extra bytes in an image can carry anything, a dataset included, and reviewers would not see them: export the figure again from the plotting library.`
    )
  }
  return result(
    'file-type',
    'pass',
    disarm !== undefined && 'original' in disarm
      ? `"${quote(name)}" was decoded and re-encoded when it was submitted (submitted: ${disarm.original.size} bytes, SHA-256 ${disarm.original.sha256}): what is stored, reviewed and released is the picture alone, without metadata, comments or bytes after its end. Check the picture itself by eye.`
      : `"${quote(name)}" holds a picture and nothing else: no metadata, comments or bytes after its end.`
  )
}
