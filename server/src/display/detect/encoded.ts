/**
 * Recognises output that is encoded binary rather than something a person reads: base64, hex
 * dumps, escaped bytes (a Python bytes repr), other high-entropy tokens (ascii85, random keys) and
 * raw binary. The screen is an exit: a dataset printed as base64 and scripted off the WebSocket
 * leaves as surely as a download, so the monitor runs this over every byte that reached the
 * browser and charges what it finds.
 *
 * Streaming: a chunk may end anywhere (inside a UTF-8 character, a base64 group, an escape or a
 * line break), and state is bounded whatever the input. Every judgement is made on the bytes in
 * order, so how the output was cut into chunks never changes the totals or the decodings (only,
 * when runs of different kinds end in one chunk, which of them hands its pieces out first).
 *
 * Each kind of run has its recogniser in `runs/`; this scanner feeds them and gathers what they find.
 */

import { AlphabetRuns } from './runs/alphabet-runs.js'
import { BinaryRuns } from './runs/binary-runs.js'
import { DumpLines } from './runs/dump-lines.js'
import { EscapedRuns } from './runs/escaped-runs.js'
import { Findings } from './runs/findings.js'
import { NumberLists } from './runs/number-lists.js'
import { UNJUDGED_KEEP_CHARS } from './runs/run-decoder.js'
import { TokenRuns } from './runs/token-runs.js'

export interface EncodedFinding {
  /** bytes of this chunk's output that belong to runs judged encoded binary (counted once, when the run qualifies; bytes of a run that keeps going count as they arrive) */
  encodedBytes: number
  /**
   * decoded bytes of base64 / hex runs, for the dataset fingerprints (bounded: at most a few MiB per
   * feed). A base64 run is decoded at all four character alignments and a hex run at both, as
   * separate buffers: the wrong alignments decode to noise, which matches no fingerprint. Escaped
   * bytes (a Python bytes repr) come undone, at their one alignment. A long run comes in pieces of
   * up to 48 KiB, each starting with the last 96 bytes of the piece before at the same alignment,
   * so every buffer stands alone: feed each as a stream of its own.
   */
  decoded: Buffer[]
}

const DEFAULT_MIN_RUN = 256

/**
 * Scans what reached the screen, chunk by chunk, for runs of encoded binary; see the module's
 * comment. One scanner per output stream (a terminal, a notebook's outputs): runs never span two.
 */
export class EncodedOutputScanner {
  private pos = 0
  private readonly findings = new Findings()
  private readonly alphabet: AlphabetRuns
  private readonly tokens: TokenRuns
  private readonly binary: BinaryRuns
  private readonly dumps: DumpLines
  private readonly escaped: EscapedRuns
  private readonly numbers: NumberLists

  constructor(options: { minRun?: number } = {}) {
    const minRun = options.minRun ?? DEFAULT_MIN_RUN
    if (!Number.isInteger(minRun) || minRun < 16 || minRun > UNJUDGED_KEEP_CHARS) {
      throw new RangeError(`minRun must be an integer from 16 to ${UNJUDGED_KEEP_CHARS}: ${minRun}`)
    }
    this.alphabet = new AlphabetRuns(this.findings, minRun)
    this.tokens = new TokenRuns(this.findings, minRun)
    this.binary = new BinaryRuns(this.findings, minRun)
    this.dumps = new DumpLines(this.findings, minRun)
    this.escaped = new EscapedRuns(this.findings, minRun)
    this.numbers = new NumberLists(this.findings)
  }

  feed(chunk: Uint8Array): EncodedFinding {
    // each kind of run reads the whole chunk in its own loop: one byte at a time through all of
    // them costs a call per byte each, several times the work itself
    this.alphabet.scan(chunk, this.pos)
    this.tokens.scan(chunk, this.pos)
    this.binary.scan(chunk)
    this.dumps.scan(chunk, this.pos)
    this.escaped.scan(chunk, this.pos)
    this.numbers.scan(chunk, this.pos)
    this.pos += chunk.length
    this.findings.counted.forgetBefore(
      Math.min(
        this.alphabet.horizon(this.pos),
        this.tokens.horizon(this.pos),
        this.binary.horizon(),
        this.dumps.horizon(),
        this.escaped.horizon(this.pos),
        this.numbers.horizon(this.pos)
      )
    )
    return this.findings.take()
  }

  /** the stream ended: what is still pending counts now */
  flush(): EncodedFinding {
    this.binary.end()
    this.alphabet.end()
    this.tokens.end()
    this.dumps.end(this.pos)
    this.escaped.end()
    this.numbers.end()
    this.findings.counted.forgetBefore(this.pos)
    return this.findings.take()
  }
}
