import { Type, type Static, type TSchema } from 'typebox'
import { Value } from 'typebox/value'
import { Errors } from '../errors.js'
import { runInSandbox, type SandboxDriver } from '../sandbox/driver.js'
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

const Failure = Type.Object({ error: Type.String(), message: Type.String() })

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

/** Checks a workspace path as the API takes it; the sandbox helper checks it again where it acts. */
export function checkPath(path: string): string {
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
  return path
}

const STATUS: Record<string, (message: string) => Error> = {
  bad_path: (m) => new Errors.BadRequest(m),
  refused: (m) => new Errors.BadRequest(m),
  not_found: (m) => new Errors.NotFound(m),
  exists: (m) => new Errors.Conflict(m),
  conflict: (m) => new Errors.Conflict(m),
  not_text: (m) => new Errors.UnsupportedType(m),
  too_large: (m) => new Errors.TooLarge(m)
}

const sentence = (m: string) => {
  const s = m.charAt(0).toUpperCase() + m.slice(1)
  return /[.!?]$/.test(s) ? s : `${s}.`
}

export function createWorkspaceFiles(driver: SandboxDriver) {
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
      throw (STATUS[out.error] ?? ((m: string) => new Errors.BadRequest(m)))(sentence(out.message))
    }
    if (r.exitCode !== 0 || !Value.Check(shape, out)) {
      throw new Error(`vre-files ${args[0]} answered something unexpected (exit ${r.exitCode})`)
    }
    return out
  }

  return {
    list: (sandboxId: string) => call(sandboxId, ['list'], FileList),
    makeFolder: (sandboxId: string, path: string) => call(sandboxId, ['mkdir', checkPath(path)], FileEntry),
    move: (sandboxId: string, from: string, to: string) =>
      call(sandboxId, ['move', checkPath(from), checkPath(to)], FileEntry),
    remove: (sandboxId: string, path: string) =>
      call(sandboxId, ['delete', checkPath(path)], Type.Object({ deleted: Type.String() })),
    toOutbox: (sandboxId: string, path: string) => call(sandboxId, ['outbox', checkPath(path)], FileEntry),
    read: (sandboxId: string, path: string) =>
      call(sandboxId, ['read', checkPath(path), String(editableLimit(path))], FileContent),
    /** Saves `content`; refused when the file changed since `baseModifiedAt` (null: must not exist yet). */
    write(sandboxId: string, path: string, content: string, baseModifiedAt: string | null) {
      const limit = editableLimit(checkPath(path))
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
