import { randomUUID } from 'node:crypto'
import { Readable } from 'node:stream'
import { buffer } from 'node:stream/consumers'
import { filterTar, UnsafeArchive } from '../archive/safe-tar.js'
import { Errors } from '../errors.js'
import { checkPlainText } from '../schemas/plain-text.js'
import { WORK_DIR } from '../sessions/workspace.js'
import type { AirlockFileRow, UserRow } from '../store/types.js'
import type { AirlockCore } from './core.js'
import { MAX_FILES, MAX_JUSTIFICATION } from './core.js'
import { disarmable, disarmImage } from './disarm.js'
import type { ComparedOutput, RoundReport } from './disclosure/round.js'
import type { CatalogMarks, Disarm } from './disclosure/types.js'
import { exceptionFits } from './permissions.js'
import type { AskedException } from './requester-plans.js'
import type { Hold, QuarantineRoom } from './quarantine-room.js'
import { evidenceOf, type FileOrigin, fileOrigin, provenanceOf } from './provenance.js'

/** How long copying one file out of a sandbox may take. */
const COPY_TIMEOUT_MS = 120_000

export interface SubmitFile {
  /** inside the workspace, under outbox/ */
  path: string
  justification: string
  /** exceptions asked for checks the researcher expects to fail, each with a reason */
  exceptions?: { rule: string; reason: string }[]
}

/** A running session the request's files are copied out of. */
export interface SourceSession {
  id: string
  userId: string
  projectId: string
  sandboxId: string
}

/**
 * A round of an export: its files copied out of the running sandbox as a tar stream (caps on
 * entries and size; links, devices and odd names refuse the whole file), stored in quarantine
 * under their SHA-256 and checked against the disclosure rules, each against the others of the
 * round and the project's earlier and open outputs.
 */
export function createRounds(core: AirlockCore, quarantine: QuarantineRoom) {
  const { deps, params } = core
  const { store } = deps

  function checkFiles(projectId: string, files: SubmitFile[]): void {
    if (files.length === 0) throw new Errors.BadRequest('Pick at least one file from the outbox.')
    if (files.length > MAX_FILES) throw new Errors.BadRequest(`A request holds at most ${MAX_FILES} files.`)
    const { exportTypes, exceptionRules } = params(projectId)
    const names = new Set<string>()
    for (const f of files) {
      // before any sentence that quotes the path
      checkPlainText('A path in the outbox', f.path)
      if (!/^outbox\/(?:[^/\0]+\/)*[^/\0]+$/.test(f.path) || f.path.split('/').some((p) => p === '..' || p === '.')) {
        throw new Errors.BadRequest(`${f.path} is not a file in the outbox: only outbox/ files can be exported.`)
      }
      const name = f.path.slice(f.path.lastIndexOf('/') + 1)
      const type = extensionOf(name, exportTypes)
      if (type === null) {
        throw new Errors.BadRequest(
          `${name} is not a kind of file that may leave: the policy allows ${exportTypes.map((t) => `.${t}`).join(' ')}.`
        )
      }
      if (names.has(name)) throw new Errors.BadRequest(`Two files are named ${name}; rename one first.`)
      names.add(name)
      if (f.justification.trim() === '') throw new Errors.BadRequest(`Say why ${name} is needed outside.`)
      if (f.justification.length > MAX_JUSTIFICATION) {
        throw new Errors.BadRequest(`The justification for ${name} is longer than ${MAX_JUSTIFICATION} characters.`)
      }
      // what the policy never allows is refused before anything is copied; whether the check failed, once it ran
      const rules = new Set<string>()
      for (const e of f.exceptions ?? []) {
        const fits = exceptionFits(
          null,
          e.rule,
          { needed: 0, exceptionRules, partialRelease: false },
          rules.has(e.rule)
        )
        if (!fits.ok) throw new Errors.BadRequest(`${name}: ${fits.why}`)
        rules.add(e.rule)
        if (e.reason.trim() === '') throw new Errors.BadRequest(`Say why ${name} should pass the ${e.rule} check.`)
        if (e.reason.length > MAX_JUSTIFICATION) {
          throw new Errors.BadRequest(
            `The reason for an exception of ${name} is longer than ${MAX_JUSTIFICATION} characters.`
          )
        }
      }
    }
  }

  /**
   * Copies one outbox file into quarantine, refusing anything but one plain file within the size
   * cap. An image is decoded and re-encoded on the way (content disarm): what is stored is the
   * re-encoding, and `disarm` names the submitted bytes' digest, or why they did not decode.
   */
  async function copyOut(
    session: SourceSession,
    path: string,
    holds: Hold[]
  ): Promise<{ sha256: string; size: number; disarm?: Disarm }> {
    const maxBytes = params(session.projectId).maxExportFileMiB * 1024 * 1024
    const name = path.slice(path.lastIndexOf('/') + 1)
    let stored: { sha256: string; size: number } | null = null
    let disarm: Disarm | undefined
    // the tar reader reports any error of its own as an unreadable archive: a quota refusal is kept aside
    let overQuota: Error | null = null
    const room = quarantine.quarantineRoom(session.projectId, name, holds)
    const keep = (err: unknown) => {
      overQuota = err as Error
      throw err
    }
    let timer: NodeJS.Timeout | undefined
    try {
      const tar = await deps.driver.copyOut(session.sandboxId, `${WORK_DIR}/${path}`)
      // the researcher can stop the copying tar; a copy that stalls is given up
      timer = setTimeout(
        () => tar.destroy(new Error(`the copy took longer than ${COPY_TIMEOUT_MS / 1000} s`)),
        COPY_TIMEOUT_MS
      )
      const listed = await filterTar(tar, null, {
        limits: { maxEntries: 1, maxEntryBytes: maxBytes, maxTotalBytes: maxBytes },
        unsafeEntries: 'refuse',
        onFile: async (entry, content) => {
          await room.precheck(entry.size).catch(keep)
          const admit = (file: { sha256: string; size: number }) => room.admit(file).catch(keep)
          if (!disarmable(name)) {
            stored = await deps.quarantine.store(session.projectId, content, maxBytes, admit)
            return
          }
          const disarmed = await disarmImage(name, await buffer(content))
          disarm = disarmed.disarm
          // a re-encoding a little over the cap is stored, for the size check to fail with its reason
          stored = await deps.quarantine.store(session.projectId, Readable.from([disarmed.bytes]), 2 * maxBytes, admit)
        }
      })
      if (listed.entries[0]?.type !== 'file' || stored === null) {
        throw new UnsafeArchive(`${name} is a folder; pick the files in it`)
      }
      return disarm === undefined ? stored : { ...(stored as { sha256: string; size: number }), disarm }
    } catch (err) {
      if (overQuota !== null) throw overQuota
      if (/No such file|Cannot stat/i.test((err as Error).message)) {
        throw new Errors.NotFound(`There is no ${path} in the workspace.`)
      }
      if (err instanceof UnsafeArchive) throw new Errors.BadRequest(`${name} was refused: ${err.message}.`)
      throw err
    } finally {
      clearTimeout(timer)
    }
  }

  /** Copies, stores and checks each file of a round. */
  async function prepareRound(
    requester: UserRow,
    session: SourceSession,
    requestId: string,
    round: number,
    files: SubmitFile[],
    holds: Hold[]
  ): Promise<AirlockFileRow[]> {
    const p = params(session.projectId)
    // every file is copied first, so each is checked against the others of its round too
    const copied: { f: SubmitFile; name: string; sha256: string; size: number; bytes: Buffer; disarm?: Disarm }[] = []
    for (const f of files) {
      const { sha256, size, disarm } = await copyOut(session, f.path, holds)
      copied.push({
        f,
        name: f.path.slice(f.path.lastIndexOf('/') + 1),
        sha256,
        size,
        bytes: await deps.quarantine.read(session.projectId, sha256),
        ...(disarm !== undefined ? { disarm } : {})
      })
    }
    const earlier = await comparisons(session.projectId, requestId)
    let catalog: CatalogMarks | undefined
    try {
      catalog = await deps.catalogMarks?.(session.projectId)
    } catch (err) {
      // without the datasets' marks the row-level check can't tell an identifier column: no checks, no request
      deps.log.error({ err, requestId }, "the datasets' catalog marks could not be read")
      throw new Errors.ChecksUnavailable(`the datasets' catalog could not be read (${(err as Error).message})`)
    }
    // each file's origin is the export that wrote it (its path and bytes, in this project); a SQL
    // cell's CSV is recounted from its query
    const origins: FileOrigin[] = []
    for (const { f, sha256, bytes, disarm } of copied) {
      // a cell wrote the bytes submitted: a re-encoded image is found by the digest of those
      const written = disarm !== undefined && 'original' in disarm ? disarm.original.sha256 : sha256
      const who = { userId: requester.id, projectId: session.projectId, sandboxId: session.sandboxId }
      origins.push(await fileOrigin(deps, { path: f.path, sha256: written, bytes }, who, catalog?.identifiers))
    }
    let reports: RoundReport[]
    try {
      reports = await deps.checks.run({
        params: p,
        earlier,
        ...(catalog !== undefined ? { catalog } : {}),
        files: copied.map(({ name, sha256, bytes, disarm }, i) => {
          const found = evidenceOf(origins[i]!)
          // what content disarm did to an image goes with whatever its origin told
          const evidence = disarm !== undefined ? { ...found, disarm } : found
          return {
            name,
            sha256,
            bytes,
            ...(evidence !== undefined ? { evidence } : {})
          }
        })
      })
    } catch (err) {
      deps.log.error({ err, requestId }, 'the disclosure checks failed')
      throw new Errors.ChecksUnavailable((err as Error).message)
    }
    const policy = { ...deps.policyVersion(session.projectId), params: p }
    const rows: AirlockFileRow[] = copied.map(({ f, name, sha256, size }, i) => {
      return {
        id: randomUUID(),
        requestId,
        round,
        path: f.path,
        name,
        sha256,
        size,
        justification: f.justification.trim(),
        outcome: reports[i]!.outcome,
        checks: reports[i]!.results,
        listing: null,
        state: 'pending',
        policy,
        provenance: provenanceOf(origins[i]!)
      }
    })
    return rows
  }

  /**
   * What a new output is compared with: the project's released outputs, and the files of its other
   * requests still open (submitted, in review or approved), so that two tables differing by a small
   * group can't pass side by side in separate requests.
   */
  async function comparisons(projectId: string, exceptRequest: string): Promise<ComparedOutput[]> {
    const out: ComparedOutput[] = []
    const add = async (f: AirlockFileRow, label: string) => {
      try {
        out.push({
          name: `${f.name}${label}`,
          sha256: f.sha256,
          bytes: await deps.quarantine.read(projectId, f.sha256)
        })
      } catch (err) {
        // a file that can no longer be read (changed on disk) is never released; it is only left out here
        deps.log.warn({ err, sha256: f.sha256 }, 'an output could not be read for comparison')
      }
    }
    for (const f of await store.listReleasedFiles(projectId)) await add(f, '')
    const open = await store.listAirlockRequests({
      direction: 'export',
      projectId,
      states: ['submitted', 'in_review', 'approved']
    })
    for (const r of open) {
      if (r.id === exceptRequest) continue
      const d = await store.getAirlockRequest(r.id)
      for (const f of d?.files.filter((x) => x.round === r.round) ?? []) await add(f, ' (not yet released)')
    }
    return out
  }

  /** The exceptions asked with a round's files, by file name. */
  function askedExceptions(files: SubmitFile[]): AskedException[] {
    return files.flatMap((f) =>
      (f.exceptions ?? []).map((e) => ({
        name: f.path.slice(f.path.lastIndexOf('/') + 1),
        rule: e.rule,
        reason: e.reason.trim()
      }))
    )
  }

  return { checkFiles, prepareRound, askedExceptions }
}

export type Rounds = ReturnType<typeof createRounds>

/** The allowed extension `name` has (longest first, so `tar.gz` wins over `gz`), or null. */
export function extensionOf(name: string, allowed: readonly string[]): string | null {
  const lower = name.toLowerCase()
  const match = [...allowed].sort((a, b) => b.length - a.length).find((ext) => lower.endsWith(`.${ext}`))
  return match ?? null
}
