import { statSync } from 'node:fs'
import { join } from 'node:path'
import type { DisplayChannel, Viewer } from '../display/display-service.js'
import { EncodedOutputScanner } from '../display/detect/encoded.js'
import { datasetContext } from '../datasets/at-rest.js'
import {
  type DatasetFingerprints,
  FingerprintMatcher,
  fingerprintEncryptedFile
} from '../display/detect/fingerprints.js'
import type { Keyring } from '../keys/keyring.js'
import type { Store } from '../store/types.js'
import { SlidingCount } from './rules.js'

/** What was learnt about one piece of shown output. */
export interface ShownFinding {
  /** bytes of encoded-looking output over the last minute, after this piece */
  encodedPerMinute: number
  /** distinct pieces of the project's dataset files seen in the session's output so far */
  datasetMatches: number
  /** the same, per dataset */
  matchesByDataset: Record<string, number>
}

interface SessionWatch {
  sessionId: string
  projectId: string
  /** one scanner per channel: a run continues only within the stream it began in */
  scanners: Map<DisplayChannel, EncodedOutputScanner>
  matcher: FingerprintMatcher | null
  /** output shown before the project's fingerprints were ready, looked at once they are */
  backlog: { channel: DisplayChannel; content: Uint8Array; binary: boolean }[]
  backlogBytes: number
  /** numbers the matcher's streams: each image and each decoded stretch is one of its own */
  streams: number
}

/** Output kept for the fingerprints while they are being taken (the first session of a project). */
const BACKLOG_MAX = 8 * 1024 * 1024

/**
 * Looks at what reached researchers' screens for signs of data leaving through them: stretches
 * that look like encoded binary (base64, hex, random bytes), and pieces of the project's own
 * dataset files, shown raw or decoded from such stretches. The fingerprints of a dataset file are
 * taken once per file (on a worker thread) and kept while the file is unchanged.
 */
export function createDisplayWatch(deps: {
  store: Store
  dataDir: string
  /** dataset files are encrypted at rest: their plaintext is what a screen could show */
  keyring: Keyring
  now: () => Date
  /** a dataset's fingerprints could not be taken: its data would go unrecognised on screens */
  problem: (dataset: string, reason: string) => void
}) {
  const sessions = new Map<string, SessionWatch>()
  const encoded = new SlidingCount()
  const prints = new Map<string, Promise<DatasetFingerprints | null>>()

  /**
   * The fingerprints of one dataset file, taken once while its size and time are the same. A failure
   * is reported (the monitor puts it on record) and not kept: the next session tries again.
   */
  function fingerprintsOf(file: string, name: string, datasetId: string): Promise<DatasetFingerprints | null> {
    const path = join(deps.dataDir, file)
    let key: string
    try {
      const st = statSync(path)
      key = `${path}:${st.size}:${st.mtimeMs}`
    } catch (err) {
      deps.problem(name, `its file cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`)
      return Promise.resolve(null)
    }
    let p = prints.get(key)
    if (p === undefined) {
      p = fingerprintEncryptedFile(path, name, deps.keyring, datasetContext(datasetId)).catch((err: unknown) => {
        prints.delete(key)
        deps.problem(name, `its fingerprints could not be taken: ${(err as Error).message.slice(0, 200)}`)
        return null
      })
      prints.set(key, p)
    }
    return p
  }

  async function load(watch: SessionWatch): Promise<void> {
    const project = await deps.store.getProject(watch.projectId)
    const sets = await Promise.all(
      (project?.datasets ?? []).filter((d) => d.file !== null).map((d) => fingerprintsOf(d.file!, d.name, d.id))
    )
    watch.matcher = new FingerprintMatcher(sets.filter((s): s is DatasetFingerprints => s !== null))
    // what was shown meanwhile counts as if looked at when it was shown
    let encodedBytes = 0
    for (const b of watch.backlog.splice(0)) encodedBytes += look(watch, b.channel, b.content, b.binary)
    watch.backlogBytes = 0
    if (encodedBytes > 0) encoded.add(watch.sessionId, encodedBytes, deps.now().getTime())
  }

  function watchOf(v: Viewer): SessionWatch {
    let w = sessions.get(v.sessionId)
    if (w === undefined) {
      w = {
        sessionId: v.sessionId,
        projectId: v.projectId,
        scanners: new Map(),
        matcher: null,
        backlog: [],
        backlogBytes: 0,
        streams: 0
      }
      sessions.set(v.sessionId, w)
      void load(w).catch((err: unknown) => {
        // without fingerprints the encoded-output rule still holds; an empty matcher finds nothing
        deps.problem('(all of the project)', `the datasets could not be looked up: ${(err as Error).message}`)
        w!.matcher = new FingerprintMatcher([])
      })
    }
    return w
  }

  function look(w: SessionWatch, channel: DisplayChannel, content: Uint8Array, binary: boolean): number {
    const matcher = w.matcher!
    if (binary) {
      // each image its own stream: a window never spans two of them
      matcher.feed(content, `image:${w.streams++}`)
      return 0
    }
    let scanner = w.scanners.get(channel)
    if (scanner === undefined) {
      scanner = new EncodedOutputScanner()
      w.scanners.set(channel, scanner)
    }
    const found = scanner.feed(content)
    matcher.feed(content, channel)
    for (const d of found.decoded) matcher.feed(d, `decoded:${w.streams++}`)
    return found.encodedBytes
  }

  return {
    /** Looks at a piece of what reached a screen; returns what is known so far. */
    shown(v: Viewer, channel: DisplayChannel, content: Uint8Array, binary: boolean): ShownFinding {
      const w = watchOf(v)
      let encodedBytes = 0
      if (w.matcher === null) {
        if (w.backlogBytes + content.length <= BACKLOG_MAX) {
          w.backlog.push({ channel, content: Buffer.from(content), binary })
          w.backlogBytes += content.length
        }
      } else {
        encodedBytes = look(w, channel, content, binary)
      }
      const nowMs = deps.now().getTime()
      const perMinute =
        encodedBytes > 0 ? encoded.add(v.sessionId, encodedBytes, nowMs) : encoded.total(v.sessionId, nowMs)
      const byDataset = w.matcher?.matches() ?? {}
      return {
        encodedPerMinute: perMinute,
        datasetMatches: Object.values(byDataset).reduce((a, b) => a + b, 0),
        matchesByDataset: byDataset
      }
    },

    /** What is known of a session now, for the console. */
    status(sessionId: string): { encodedPerMinute: number; datasetMatches: number } {
      const w = sessions.get(sessionId)
      const matches = Object.values(w?.matcher?.matches() ?? {}).reduce((a, b) => a + b, 0)
      return { encodedPerMinute: encoded.total(sessionId, deps.now().getTime()), datasetMatches: matches }
    },

    /** Waits until the session's fingerprints are taken (tests, and the first look of a session). */
    async ready(v: Viewer): Promise<void> {
      const w = watchOf(v)
      while (w.matcher === null) await new Promise((r) => setTimeout(r, 20))
    },

    forget(sessionId: string): void {
      sessions.delete(sessionId)
      encoded.forget(sessionId)
    }
  }
}

export type DisplayWatch = ReturnType<typeof createDisplayWatch>
