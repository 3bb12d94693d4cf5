import type { FastifyBaseLogger } from 'fastify'
import { Type, type Static, type TSchema } from 'typebox'
import { Value } from 'typebox/value'
import { Errors } from '../errors.js'
import { runInSandbox, type SandboxDriver } from '../sandbox/driver.js'
import { checkPlainText } from '../schemas/plain-text.js'
import { FileContent, FileEntry, FileList } from '../schemas/files.js'
import { WORK_DIR } from '../sessions/workspace.js'

/**
 * The researcher's workspace folder (`work/`, kept between sessions) as the Files view sees it:
 * names, sizes and times, folders made, things renamed, deleted or moved to the outbox, and the
 * text of notebooks and code opened for editing. Every operation runs inside the sandbox as the
 * researcher (`vre-files`, in the image), so it can do nothing the researcher could not do in the
 * terminal; what it prints is researcher-controlled and is checked before it is used.
 *
 * Data never goes to the browser as a file: only the editable kinds below are read, and only as
 * UTF-8 text of bounded size.
 */

/**
 * A refusal as vre-files prints it. Only its code and reason are read, as keys into the sentences
 * below: its message is text from inside the sandbox, and a 4xx goes to the browser uncharged.
 */
const Failure = Type.Object({ error: Type.String(), reason: Type.Optional(Type.String()) })

/** Kinds that open in the browser for editing, and how large each may be. */
const NOTEBOOK_MAX = 16 * 1024 * 1024
const TEXT_MAX = 1024 * 1024
const EDITABLE = new Set(['ipynb', 'py', 'sql', 'md', 'txt', 'r', 'sh', 'json', 'yaml', 'yml', 'toml'])

/** The largest file of `path`'s kind that opens for editing; refuses kinds that never do. */
export function editableLimit(path: string): number {
  const ext = /\.([^./]+)$/.exec(path)?.[1]?.toLowerCase()
  if (ext === undefined || !EDITABLE.has(ext)) {
    throw new Errors.UnsupportedType(
      `${path} does not open in the browser: only notebooks and code or text files (${[...EDITABLE].map((e) => `.${e}`).join(' ')}) do. Data is looked at in the terminal or a notebook, and leaves only through the airlock.`
    )
  }
  return ext === 'ipynb' ? NOTEBOOK_MAX : TEXT_MAX
}

/**
 * Checks a workspace path as the API takes it; the sandbox helper checks it again where it acts.
 * A path that gives a file a name (`naming` says which) may not hold a hidden character
 * (schemas/plain-text.ts); one that only points at a file that exists may, so that a file named so
 * in the terminal can still be opened, renamed or deleted here.
 */
export function checkPath(path: string, naming?: string): string {
  if (path === '' || path.startsWith('/') || path.length > 1024) {
    throw new Errors.BadRequest('A path inside the workspace is needed, like analysis/result.sql.')
  }
  for (const part of path.split('/')) {
    if (part === '' || part === '.' || part === '..') {
      throw new Errors.BadRequest(`The path ${JSON.stringify(path)} has an empty, "." or ".." part.`)
    }
    if (/[\u0000-\u001f\u007f]/.test(part)) {
      throw new Errors.BadRequest(`The path ${JSON.stringify(path)} has a control character.`)
    }
    if (Buffer.byteLength(part) > 255) throw new Errors.BadRequest(`A name in ${JSON.stringify(path)} is too long.`)
  }
  return naming === undefined ? path : checkPlainText(naming, path)
}

/** What the researcher asked for: the operation, the paths they sent and the size limit set here. */
interface Asked {
  op: string
  path: string
  to: string
  limit: number
}

const folderOf = (p: string) => (p.includes('/') ? p.slice(0, p.lastIndexOf('/')) : '.')
/** Where a move or a move to the outbox puts the file. */
const destination = (a: Asked) => (a.op === 'outbox' ? `outbox/${a.path.slice(a.path.lastIndexOf('/') + 1)}` : a.to)

/** The gateway's own sentence for each refusal vre-files names, by `code/reason`. */
const REFUSALS: Record<string, (a: Asked) => Error> = {
  'bad_path/path': (a) => new Errors.BadRequest(`${a.path} is not a path inside the workspace.`),
  'bad_path/outside': (a) =>
    new Errors.BadRequest(
      a.op === 'move'
        ? `Moving ${a.path} to ${a.to} would lead out of the workspace.`
        : `${a.path} leads out of the workspace.`
    ),
  'not_found/missing': (a) => new Errors.NotFound(`There is no ${a.path} in the workspace.`),
  'not_found/no_folder': (a) =>
    new Errors.NotFound(`The folder ${folderOf(a.op === 'mkdir' ? a.path : destination(a))} does not exist.`),
  'exists/exists': (a) => new Errors.Conflict(`${a.op === 'mkdir' ? a.path : destination(a)} exists already.`),
  'refused/kept': (a) =>
    new Errors.BadRequest(`${a.path} is part of the workspace and stays; its contents can change.`),
  'refused/into_itself': (a) => new Errors.BadRequest(`${a.path} is a folder and cannot be moved into itself.`),
  'refused/in_outbox': (a) => new Errors.BadRequest(`${a.path} is in the outbox already.`),
  'refused/link': (a) => new Errors.BadRequest(`${a.path} is a symbolic link; open the file it points to.`),
  'refused/unopenable': (a) => new Errors.BadRequest(`${a.path} cannot be opened.`),
  'refused/not_file': (a) => new Errors.BadRequest(`${a.path} is not a file.`),
  'too_large/file': (a) =>
    new Errors.TooLarge(`${a.path} is too large to open here: files up to ${a.limit} bytes of its kind do.`),
  'too_large/content': (a) =>
    new Errors.TooLarge(`${a.path} would be larger than ${a.limit} bytes, the most a file of its kind may hold here.`),
  'not_text/not_utf8': (a) => new Errors.UnsupportedType(`${a.path} is not UTF-8 text.`),
  'not_text/binary': (a) => new Errors.UnsupportedType(`${a.path} holds binary data.`),
  'conflict/exists': (a) => new Errors.Conflict(`${a.path} exists already; open it instead.`),
  'conflict/deleted': (a) => new Errors.Conflict(`${a.path} was deleted since you opened it.`),
  'conflict/changed': (a) =>
    new Errors.Conflict(`${a.path} was changed since you opened it; open it again to see the new version.`)
}

const DONE: Record<string, string> = {
  mkdir: 'made',
  move: 'moved',
  delete: 'deleted',
  outbox: 'moved to the outbox',
  read: 'opened',
  write: 'saved'
}

/**
 * The error for a refusal: a sentence made here, naming only what the researcher sent. A reason
 * this gateway has no sentence for (an OS error, a newer image) gets one by its code's status.
 */
export function refusal(code: string, reason: string | undefined, asked: Asked): Error {
  const known = REFUSALS[`${code}/${reason}`]
  if (known !== undefined) return known(asked)
  const text = asked.op in DONE ? `${asked.path} could not be ${DONE[asked.op]}.` : 'The workspace could not be listed.'
  switch (code) {
    case 'not_found':
      return new Errors.NotFound(text)
    case 'exists':
    case 'conflict':
      return new Errors.Conflict(text)
    case 'not_text':
      return new Errors.UnsupportedType(text)
    case 'too_large':
      return new Errors.TooLarge(text)
    default:
      return new Errors.BadRequest(text)
  }
}

export function createWorkspaceFiles(driver: SandboxDriver, log?: FastifyBaseLogger) {
  /** Runs one vre-files operation; a refusal becomes the matching HTTP error, anything odd fails closed. */
  async function call<S extends TSchema>(
    sandboxId: string,
    args: string[],
    shape: S,
    input?: string
  ): Promise<Static<S>> {
    const r = await runInSandbox(driver, sandboxId, {
      cmd: ['vre-files', WORK_DIR, ...args],
      ...(input === undefined ? {} : { input })
    })
    let out: unknown
    try {
      out = JSON.parse(r.stdout)
    } catch {
      throw new Error(`vre-files ${args[0]} failed (exit ${r.exitCode}): ${r.stderr.slice(-500)}`)
    }
    if (Value.Check(Failure, out)) {
      const op = args[0]!
      if (REFUSALS[`${out.error}/${out.reason}`] === undefined) {
        // worth a look, but the helper's words stay out of the log too: they are the researcher's to choose
        log?.warn(
          { op, code: out.error.slice(0, 40), reason: out.reason?.slice(0, 40) },
          'vre-files refused unexpectedly'
        )
      }
      throw refusal(out.error, out.reason, {
        op,
        path: args[1] ?? '',
        to: op === 'move' ? args[2]! : '',
        limit: op === 'read' || op === 'write' ? Number(args[2]) : 0
      })
    }
    if (r.exitCode !== 0 || !Value.Check(shape, out)) {
      throw new Error(`vre-files ${args[0]} answered something unexpected (exit ${r.exitCode})`)
    }
    return out
  }

  return {
    list: (sandboxId: string) => call(sandboxId, ['list'], FileList),
    makeFolder: (sandboxId: string, path: string) =>
      call(sandboxId, ['mkdir', checkPath(path, 'The new folder')], FileEntry),
    move: (sandboxId: string, from: string, to: string) =>
      call(sandboxId, ['move', checkPath(from), checkPath(to, 'The new path')], FileEntry),
    remove: (sandboxId: string, path: string) =>
      call(sandboxId, ['delete', checkPath(path)], Type.Object({ deleted: Type.String() })),
    toOutbox: (sandboxId: string, path: string) =>
      call(sandboxId, ['outbox', checkPath(path, 'A file for the outbox')], FileEntry),
    read: (sandboxId: string, path: string) =>
      call(sandboxId, ['read', checkPath(path), String(editableLimit(path))], FileContent),
    /** Saves `content`; refused when the file changed since `baseModifiedAt` (null: must not exist yet). */
    write(sandboxId: string, path: string, content: string, baseModifiedAt: string | null) {
      const limit = editableLimit(checkPath(path, 'The path of the file saved'))
      if (Buffer.byteLength(content) > limit) {
        throw new Errors.TooLarge(
          `${path} would be larger than ${limit} bytes, the most a file of its kind may hold here.`
        )
      }
      return call(sandboxId, ['write', path, String(limit), baseModifiedAt ?? '-'], FileEntry, content)
    }
  }
}

export type WorkspaceFiles = ReturnType<typeof createWorkspaceFiles>
