import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs'
import { join } from 'node:path'

export const JOURNAL_FILE = 'data-encrypt.journal'

interface JournalFile {
  startedAt: string
  /** steps finished: `keys`, `state`, `state-verified`, `audited` */
  steps: string[]
  /** files encrypted so far, by kind: the audit record of the run counts those of earlier, interrupted runs too */
  encrypted: Record<string, number>
}

/**
 * What `vre data encrypt` has done so far, so an interrupted run continues where it stopped. It
 * names steps and counts only, never a key or a byte of data. Removed once the run is complete.
 */
export class Journal {
  private readonly path: string
  private file: JournalFile

  constructor(dataDir: string, now: Date) {
    this.path = join(dataDir, JOURNAL_FILE)
    this.file = existsSync(this.path)
      ? (JSON.parse(readFileSync(this.path, 'utf8')) as JournalFile)
      : { startedAt: now.toISOString(), steps: [], encrypted: {} }
  }

  static exists(dataDir: string): boolean {
    return existsSync(join(dataDir, JOURNAL_FILE))
  }

  get startedAt(): string {
    return this.file.startedAt
  }

  get encrypted(): Readonly<Record<string, number>> {
    return this.file.encrypted
  }

  has(step: string): boolean {
    return this.file.steps.includes(step)
  }

  done(step: string): void {
    if (!this.has(step)) this.file.steps.push(step)
    this.write()
  }

  countFile(kind: string): void {
    this.file.encrypted[kind] = (this.file.encrypted[kind] ?? 0) + 1
    this.write()
  }

  remove(): void {
    rmSync(this.path, { force: true })
  }

  private write(): void {
    const tmp = `${this.path}.tmp`
    const fd = openSync(tmp, 'w', 0o600)
    try {
      writeSync(fd, JSON.stringify(this.file))
      fsyncSync(fd)
    } finally {
      closeSync(fd)
    }
    renameSync(tmp, this.path)
  }
}
