import { Type, type Static } from 'typebox'
import { MAX_CELL_SOURCE } from './sessions.js'

/** A path inside the researcher's workspace folder (work/), '/'-separated, without a leading '/'. */
const WorkspacePath = Type.String({ minLength: 1, maxLength: 1024 })

export const FileEntry = Type.Object({
  path: Type.String(),
  name: Type.String(),
  type: Type.Union([Type.Literal('file'), Type.Literal('dir')]),
  /** bytes; 0 for folders */
  size: Type.Integer({ minimum: 0 }),
  modifiedAt: Type.String()
})
export type FileEntry = Static<typeof FileEntry>

/** The listing as vre-files gives it from inside the sandbox. */
export const FileList = Type.Object({
  entries: Type.Array(FileEntry),
  /** more entries exist than were listed */
  truncated: Type.Boolean()
})
export type FileList = Static<typeof FileList>

/** The listing as the browser gets it: as far as the display budget allows. */
export const FileListView = Type.Object({
  ...FileList.properties,
  /** entries were held back because the session's display budget allows no more now */
  displayCut: Type.Boolean()
})

/** Where the display budget held something back: how much, and what it allows now. */
export const DisplayCut = Type.Object({
  type: Type.Literal('display-cut'),
  heldBackBytes: Type.Integer({ minimum: 0 }),
  availableBytes: Type.Integer({ minimum: 0 }),
  bytesPerMinute: Type.Integer({ minimum: 0 })
})

/** A file's text as vre-files reads it inside the sandbox. */
export const FileContent = Type.Object({
  path: Type.String(),
  content: Type.String(),
  modifiedAt: Type.String(),
  size: Type.Integer({ minimum: 0 })
})
export type FileContent = Static<typeof FileContent>

/** A file's text as the browser gets it: as far as the display budget allows. */
export const FileContentView = Type.Object({
  ...FileContent.properties,
  /** the text as far as the display budget allowed (all of it unless `cut` says otherwise) */
  content: Type.String(),
  /** what was held back: a cut file opens read-only, for a save would replace the whole with the part */
  cut: Type.Union([DisplayCut, Type.Null()])
})

export const PathBody = Type.Object({ path: WorkspacePath }, { additionalProperties: false })
export const PathQuery = PathBody
export const MoveBody = Type.Object({ from: WorkspacePath, to: WorkspacePath }, { additionalProperties: false })

export const SaveFileBody = Type.Object(
  {
    path: WorkspacePath,
    content: Type.String(),
    /** the modifiedAt the editor read; null for a file that must not exist yet */
    baseModifiedAt: Type.Union([Type.String({ maxLength: 40 }), Type.Null()])
  },
  { additionalProperties: false }
)

export const ExportCellBody = Type.Object(
  {
    language: Type.Union([Type.Literal('sql'), Type.Literal('python')]),
    source: Type.String({ minLength: 1, maxLength: MAX_CELL_SOURCE }),
    /** the file name, without extension, of the CSV and the query in the outbox */
    name: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$' })
  },
  { additionalProperties: false }
)

export const ExportCellView = Type.Object({
  csv: FileEntry,
  query: FileEntry,
  rows: Type.Integer({ minimum: 0 }),
  /** a model's residual degrees of freedom, when the cell's value was a fitted model */
  residualDf: Type.Optional(Type.Integer({ minimum: 0 }))
})
export type ExportCellView = Static<typeof ExportCellView>
