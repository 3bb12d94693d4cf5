import { Type, type Static } from 'typebox'
import { Id, IsoDateTime } from './common.js'

export const ExportStateSchema = Type.Union([
  Type.Literal('draft'),
  Type.Literal('submitted'),
  Type.Literal('in_review'),
  Type.Literal('returned'),
  Type.Literal('approved'),
  Type.Literal('released'),
  Type.Literal('rejected'),
  Type.Literal('withdrawn')
])

const Rule = Type.String({ minLength: 1, maxLength: 32, description: 'a disclosure check, e.g. threshold' })

/** An exception asked for one failing check of one file, with the researcher's reason. */
export const ExceptionBody = Type.Object(
  { rule: Rule, reason: Type.String({ minLength: 1, maxLength: 4000 }) },
  { additionalProperties: false }
)

const SubmitFileSchema = Type.Object(
  {
    /** inside the workspace, under outbox/ */
    path: Type.String({ minLength: 8, maxLength: 1024 }),
    justification: Type.String({ minLength: 1, maxLength: 4000 }),
    /** exceptions asked for checks expected to fail; each must fail once checked */
    exceptions: Type.Optional(Type.Array(ExceptionBody, { maxItems: 10 }))
  },
  { additionalProperties: false }
)

export const SubmitExportBody = Type.Object(
  { sessionId: Type.String({ format: 'uuid' }), files: Type.Array(SubmitFileSchema, { minItems: 1, maxItems: 20 }) },
  { additionalProperties: false }
)
export const ResubmitExportBody = SubmitExportBody

const Vote = Type.Union([Type.Literal('approve'), Type.Literal('return'), Type.Literal('reject')])
const Sha256 = Type.String({ pattern: '^[0-9a-f]{64}$' })
const Visibility = Type.Union([Type.Literal('researcher'), Type.Literal('reviewers')])
const AckKind = Type.Union([Type.Literal('exception'), Type.Literal('review')])

/** A reviewer's vote on one file; a draft until their review is submitted, and changed by voting again. */
export const VoteBody = Type.Object(
  {
    /** the round the reviewer looked at and the file's digest: a vote is bound to what was seen */
    round: Type.Integer({ minimum: 1 }),
    sha256: Sha256,
    vote: Vote,
    /** needed to return or reject */
    comment: Type.Optional(Type.String({ maxLength: 4000 })),
    /** who reads the comment: the researcher too (default), or reviewers only */
    commentVisibility: Type.Optional(Visibility),
    /** with an approval: each excepted failing check (with a comment) and each check that asks for review */
    acknowledgements: Type.Optional(
      Type.Array(
        Type.Object(
          { rule: Rule, kind: AckKind, comment: Type.Optional(Type.String({ maxLength: 4000 })) },
          { additionalProperties: false }
        ),
        { maxItems: 20 }
      )
    )
  },
  { additionalProperties: false }
)

/** Submits the reviewer's review of the round they looked at (or settles its conflicted files). */
export const ReviewBody = Type.Object(
  {
    round: Type.Integer({ minimum: 1 }),
    sha256s: Type.Array(Sha256, { minItems: 1, maxItems: 20 })
  },
  { additionalProperties: false }
)

export const RequestParams = Type.Object({ id: Type.String({ format: 'uuid' }) }, { additionalProperties: false })
export const FileParams = Type.Object(
  { id: Type.String({ format: 'uuid' }), fileId: Type.String({ format: 'uuid' }) },
  { additionalProperties: false }
)

/** Whether the caller may do something now, and if not, a sentence saying why (for a disabled button). */
export const Can = Type.Object({ ok: Type.Boolean(), why: Type.Optional(Type.String()) })

const FileState = Type.Union([
  Type.Literal('pending'),
  Type.Literal('approved'),
  Type.Literal('returned'),
  Type.Literal('rejected'),
  Type.Literal('conflicted'),
  Type.Literal('released')
])

export const VoteView = Type.Object({
  reviewer: Type.String(),
  vote: Vote,
  /** null for a requester when the reviewer meant it for reviewers only */
  comment: Type.Union([Type.String(), Type.Null()]),
  commentVisibility: Visibility,
  acknowledgements: Type.Array(
    Type.Object({ rule: Type.String(), kind: AckKind, comment: Type.Union([Type.String(), Type.Null()]) })
  ),
  /** false: the caller's own draft */
  submitted: Type.Boolean(),
  createdAt: IsoDateTime,
  updatedAt: IsoDateTime
})

export const ExceptionView = Type.Object({
  rule: Type.String(),
  reason: Type.String(),
  requestedBy: Type.String(),
  requestedAt: IsoDateTime
})

const Direction = Type.Union([Type.Literal('export'), Type.Literal('import')])

export const ExportFileView = Type.Object({
  id: Type.String(),
  round: Type.Integer(),
  path: Type.String(),
  name: Type.String(),
  sha256: Type.String(),
  size: Type.Integer(),
  justification: Type.String(),
  outcome: Type.Union([Type.Literal('pass'), Type.Literal('review'), Type.Literal('fail')]),
  /** each disclosure rule's result, with the cells or rows at fault */
  checks: Type.Array(Type.Record(Type.String(), Type.Unknown())),
  /** the query that made the file, when a notebook cell exported it */
  provenance: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()]),
  /** an imported archive's entries, as checked */
  listing: Type.Union([Type.Array(Type.Record(Type.String(), Type.Unknown())), Type.Null()]),
  /** pending while votes gather; approved, returned, rejected or conflicted once the reviews are in; released */
  state: FileState,
  exceptions: Type.Array(ExceptionView),
  /** what an approval of the file must acknowledge */
  acknowledgementsNeeded: Type.Array(Type.Object({ rule: Type.String(), kind: AckKind })),
  /** the votes the caller may read: their own (drafts too); others' once they may (see README) */
  votes: Type.Array(VoteView),
  /** requester: the rules an exception may be asked for now */
  exceptable: Type.Array(Type.String()),
  can: Type.Object({
    askException: Type.Optional(Can),
    download: Type.Optional(Can),
    preview: Type.Optional(Can),
    /** reviewer: whether the preview is of the whole file, or of its excerpt only (it may hold individual records) */
    readBytes: Type.Optional(Can),
    vote: Type.Optional(Can),
    approve: Type.Optional(Can)
  })
})

export const ReviewView = Type.Object({
  round: Type.Integer(),
  reviewer: Type.String(),
  kind: Type.Union([Type.Literal('review'), Type.Literal('settle')]),
  submittedAt: IsoDateTime
})

/** A submitted review summed up over its votes (worst vote; the comments meant for the reader), as the first screens read it. */
export const DecisionView = Type.Object({
  round: Type.Integer(),
  reviewer: Type.String(),
  decision: Type.Union([Type.Literal('approve'), Type.Literal('return'), Type.Literal('reject')]),
  comment: Type.Union([Type.String(), Type.Null()]),
  createdAt: IsoDateTime
})

export const ExportRequestView = Type.Object({
  id: Id,
  direction: Direction,
  projectId: Id,
  requester: Type.String(),
  state: ExportStateSchema,
  round: Type.Integer(),
  createdAt: IsoDateTime,
  updatedAt: IsoDateTime,
  releasedAt: Type.Union([IsoDateTime, Type.Null()]),
  /** reviews of the current round whose votes all approve (shown to the caller), and the reviews the policy needs */
  approvals: Type.Integer(),
  approvalsNeeded: Type.Integer(),
  /**
   * the failing checks the project's policy lets an exception be asked for: a resubmission's form
   * offers them where a check failed in the round returned (whether one is asked now is `exceptable`)
   */
  exceptionRules: Type.Array(Type.String()),
  files: Type.Array(ExportFileView),
  /** the submitted reviews the caller may see */
  reviews: Type.Array(ReviewView),
  decisions: Type.Array(DecisionView),
  /**
   * whether other reviewers' votes of this round are hidden from the caller (a reviewer: until their
   * own review is in; the requester: until the round is decided), whether or not anyone voted yet
   */
  votesHidden: Type.Boolean(),
  /** reviewer: what submitting now would be: one of the round's reviews, a settlement of its conflicts, or nothing */
  reviewKind: Type.Union([Type.Literal('review'), Type.Literal('settle'), Type.Null()]),
  can: Type.Object({
    withdraw: Type.Optional(Can),
    resubmit: Type.Optional(Can),
    downloadPackage: Type.Optional(Can),
    vote: Type.Optional(Can),
    submitReview: Type.Optional(Can)
  })
})
export type ExportRequestView = Static<typeof ExportRequestView>

export const ExportRequestSummary = Type.Object({
  id: Id,
  direction: Direction,
  projectId: Id,
  requester: Type.String(),
  state: ExportStateSchema,
  round: Type.Integer(),
  createdAt: IsoDateTime,
  updatedAt: IsoDateTime,
  /** reviewer's queue: the round's reviews in and needed, files left conflicted, and the caller's part */
  reviews: Type.Optional(Type.Integer()),
  reviewsNeeded: Type.Optional(Type.Integer()),
  conflicted: Type.Optional(Type.Integer()),
  myReview: Type.Optional(Type.Union([Type.Literal('none'), Type.Literal('draft'), Type.Literal('submitted')]))
})

/**
 * What a reviewer reads of a table or text in place of its bytes: its header and first rows (a
 * table) or first lines, each cut to a bound, and how many there are in all. `whole`: null when
 * the file's bytes may be read too, else why not.
 */
export const ReviewExcerpt = Type.Object({
  name: Type.String(),
  format: Type.Union([Type.Literal('table'), Type.Literal('text')]),
  header: Type.Optional(Type.Array(Type.String())),
  rows: Type.Optional(Type.Array(Type.Array(Type.String()))),
  totalRows: Type.Optional(Type.Integer()),
  lines: Type.Optional(Type.Array(Type.String())),
  totalLines: Type.Optional(Type.Integer()),
  /** a cell, a line or columns were cut */
  cut: Type.Boolean(),
  whole: Type.Union([Type.String(), Type.Null()])
})

/** A researcher's requests, or a reviewer's queue, most recently changed first. */
export const ExportRequestList = Type.Array(ExportRequestSummary)

/** An import's particulars travel in the query string: its body is the file itself. */
export const ImportQuery = Type.Object(
  {
    projectId: Type.String({ minLength: 1, maxLength: 64 }),
    name: Type.String({ minLength: 1, maxLength: 255 }),
    justification: Type.String({ minLength: 1, maxLength: 4000 })
  },
  { additionalProperties: false }
)

/**
 * The shapes inside ExportFileView's open records (`checks`, `provenance`, `listing`): the answer's
 * schema leaves them open so each passes whole as the airlock stored it; screens read these fields.
 */
export const RuleResultView = Type.Object({
  /** threshold, zeros, dominance, p-percent, residual-df, row-level, differencing, repeats, file-type, images */
  rule: Type.String(),
  outcome: Type.Union([Type.Literal('pass'), Type.Literal('review'), Type.Literal('fail')]),
  /**
   * for the reviewer, in English; rows in it are numbered from 1. The requester of an export gets a
   * fixed sentence per rule and outcome instead, quoting nothing of the file
   */
  message: Type.String(),
  /** the cells at risk; empty when the finding is not about particular cells */
  cells: Type.Array(Type.Object({ row: Type.Integer(), column: Type.Integer() })),
  /** 0-based data rows at risk; for a text output, 0-based line numbers */
  rows: Type.Optional(Type.Array(Type.Integer())),
  /** 0-based columns at risk as a whole */
  columns: Type.Optional(Type.Array(Type.Integer())),
  /** in the requester's view: how many cells, rows and columns were flagged, of which the lists hold the first */
  flagged: Type.Optional(Type.Object({ cells: Type.Integer(), rows: Type.Integer(), columns: Type.Integer() }))
})

/** The notebook cell that made a file (a cell export to the outbox). */
export const ProvenanceView = Type.Object({
  language: Type.Optional(Type.String()),
  source: Type.Optional(Type.String()),
  rows: Type.Optional(Type.Integer()),
  exportedAt: Type.Optional(IsoDateTime),
  sessionId: Type.Optional(Type.String()),
  /** a model's residual df as its export reported it */
  residualDf: Type.Optional(Type.Integer()),
  /** what the recount found: reviewers read counts and reasons, the requester only whether people were counted */
  recount: Type.Optional(
    Type.Union([
      Type.Object({
        person: Type.Optional(Type.String()),
        unavailable: Type.Optional(Type.String()),
        counted: Type.Optional(Type.Boolean()),
        declaredRoles: Type.Optional(Type.Record(Type.String(), Type.String()))
      }),
      Type.Null()
    ])
  )
})

/** An entry of an imported archive, as checked. */
export const ArchiveEntryView = Type.Object({
  name: Type.String(),
  type: Type.Union([Type.Literal('file'), Type.Literal('directory')]),
  size: Type.Integer(),
  mode: Type.Integer()
})

/** ReviewExcerpt's two forms, for a reader that tells them apart by `format`. */
export const ReviewExcerptForm = Type.Union([
  Type.Object({
    format: Type.Literal('table'),
    header: Type.Array(Type.String()),
    rows: Type.Array(Type.Array(Type.String())),
    totalRows: Type.Integer()
  }),
  Type.Object({ format: Type.Literal('text'), lines: Type.Array(Type.String()), totalLines: Type.Integer() })
])
