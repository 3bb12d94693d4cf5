import { CharWindow } from './char-window.js'
import * as chars from './chars.js'
import type { Findings } from './findings.js'
import { TOKEN_ENTROPY } from './judgements.js'

// module constants, not imported bindings: see chars.ts
const { CLASS, TOKEN } = chars

/** Printable runs without whitespace (ascii85, random tokens) whose characters are near random. */
export class TokenRuns {
  private inRun = false
  private judged = false
  private runStart = 0
  private lastChar = 0
  private readonly window: CharWindow

  constructor(
    private readonly findings: Findings,
    minRun: number
  ) {
    this.window = new CharWindow(minRun)
  }

  scan(chunk: Uint8Array, start: number): void {
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i]!
      if (!(CLASS[b]! & TOKEN)) {
        if (this.inRun) this.end()
        continue
      }
      if (!this.inRun) {
        this.inRun = true
        this.runStart = start + i
      }
      if (this.judged) {
        while (i + 1 < chunk.length && CLASS[chunk[i + 1]!]! & TOKEN) i++
        this.lastChar = start + i
        continue
      }
      this.lastChar = start + i
      this.window.push(b)
      if (this.window.full && this.window.entropy() >= TOKEN_ENTROPY) this.judged = true
    }
    if (this.judged) this.findings.count(this.runStart, this.lastChar + 1)
  }

  horizon(next: number): number {
    return this.inRun ? this.runStart : next
  }

  end(): void {
    if (this.judged) this.findings.count(this.runStart, this.lastChar + 1)
    this.inRun = false
    this.judged = false
    this.window.clear()
  }
}
