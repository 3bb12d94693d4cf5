import type {
  AirlockDirection,
  AirlockFileState,
  CheckOutcome,
  ExportState,
  MyReview,
  ReviewDecision
} from '../api/types'
import type { Localized } from '../i18n/language'

// The checks' messages come from the server in English and are shown to reviewers as they are;
// the requester of an export reads the fixed sentences of `checks.own` instead. Everything around
// them is localized here.

type RuleKey =
  | 'threshold'
  | 'zeros'
  | 'dominance'
  | 'p-percent'
  | 'residual-df'
  | 'row-level'
  | 'differencing'
  | 'repeats'
  | 'file-type'
  | 'images'

const en = {
  moreFiles: (n: number) => `and ${n} more`,
  states: {
    draft: 'Draft',
    submitted: 'Submitted',
    in_review: 'In review',
    returned: 'Returned',
    approved: 'Approved',
    released: 'Released',
    rejected: 'Rejected',
    withdrawn: 'Withdrawn'
  } satisfies Record<ExportState, string>,
  /** an import's state where its name differs from an export's */
  importStates: {} as Partial<Record<ExportState, string>>,
  outcomes: { pass: 'Pass', review: 'Review', fail: 'Fail' } satisfies Record<CheckOutcome, string>,
  decisions: { approve: 'Approve', return: 'Return for changes', reject: 'Reject' } satisfies Record<
    ReviewDecision,
    string
  >,
  directions: { export: 'Export', import: 'Import' } satisfies Record<AirlockDirection, string>,
  fileStates: {
    pending: 'Pending',
    approved: 'Approved',
    returned: 'Returned',
    rejected: 'Rejected',
    conflicted: 'Conflicted',
    released: 'Released'
  } satisfies Record<AirlockFileState, string>,
  /** reviewers' votes on a file, as reviewers and (once the round is decided) the researcher read them */
  votes: {
    label: (name: string) => `Votes on ${name}`,
    you: (name: string) => `${name} (you)`,
    draft: 'Draft',
    forReviewers: 'For reviewers only',
    commentForReviewers: 'The comment is for reviewers only.',
    ackException: (rule: string) => `Acknowledged the exception for ${rule}:`,
    ackReview: (rule: string) => `Looked at the ${rule} check.`
  },
  rules: {
    threshold: 'Minimum cell count',
    zeros: 'Zero cells',
    dominance: 'Dominance (n,k)',
    'p-percent': 'p% rule',
    'residual-df': 'Residual degrees of freedom',
    'row-level': 'Individual-level data',
    differencing: 'Differencing',
    repeats: 'Released before',
    'file-type': 'File type and size',
    images: 'Figures'
  },
  checks: {
    label: 'Automatic disclosure checks',
    none: 'No checks were recorded for this file.',
    passed: (n: number) => (n === 1 ? '1 check passed' : `${n} checks passed`),
    /**
     * What the requester of an export reads for each check, in place of the checker's message (which
     * quotes the file, and goes to reviewers only); the gateway sends the same in English.
     */
    own: {
      threshold: {
        pass: 'No count was found below the threshold.',
        review:
          'The checker could not tell which numbers count people: reviewers check every cell against the threshold.',
        fail: 'Some cells rest on fewer individuals than the threshold allows: suppress or combine them.'
      },
      zeros: {
        pass: 'No zero was found that this policy treats as disclosive.',
        review: 'The checker could not tell whether a zero counts people: reviewers check by hand.',
        fail: 'Some counts are zero, or some rows draw on no one, which this policy treats as disclosive.'
      },
      dominance: {
        pass: 'No cell is dominated by a few contributors, or the rule does not apply.',
        review: 'Some sums or means could not be checked for dominance: reviewers check them by hand.',
        fail: 'Some cells are dominated by their largest contributors (the n,k rule).'
      },
      'p-percent': {
        pass: 'No cell lets one contributor estimate another closely, or the rule does not apply.',
        review: 'Some sums or means could not be checked against the p% rule: reviewers check them by hand.',
        fail: 'Some cells let the second-largest contributor estimate the largest too closely (the p% rule).'
      },
      'residual-df': {
        pass: 'No model with too few residual degrees of freedom was found.',
        review: "The output looks like a model's estimates, but its residual degrees of freedom are not known.",
        fail: 'A model has fewer residual degrees of freedom than the policy allows.'
      },
      'row-level': {
        pass: 'The output looks like an aggregate.',
        review: 'The output may list individual records: reviewers look at it closely.',
        fail: 'A column looks like an identifier: an output that names individuals cannot leave.'
      },
      differencing: {
        pass: 'Subtracting the earlier outputs of this project from this one reveals no small group.',
        review: 'An earlier output of this project has the same columns: reviewers compare the two by hand.',
        fail: 'Subtracting an earlier output of this project from this one reveals a group below the threshold.'
      },
      repeats: {
        pass: 'These bytes were not released before.',
        review: 'These exact bytes were released before.',
        fail: 'These exact bytes were released before.'
      },
      'file-type': {
        pass: "The file's type and size are allowed.",
        review: 'The checker has no rules for this type of file: reviewers read all of it.',
        fail: 'The file cannot leave as it is: its type or size is not allowed, its bytes are not what its name says, or it cannot be read as a table.'
      },
      images: {
        pass: "The figure's table is in the same request and is checked with it.",
        review:
          'The checker cannot read a figure or a PDF: reviewers check it by eye and may ask for the table behind it.',
        fail: 'The checker cannot read this figure.'
      }
    } satisfies Record<RuleKey, Record<CheckOutcome, string>>,
    ownUnknown: 'Only reviewers can read what this check found.',
    ownNote: 'Reviewers read what each check quotes from your files; here you see what it found and where.',
    where: (places: string[], more: number) =>
      more > 0 ? `Where: ${places.join('; ')} and ${more} more.` : `Where: ${places.join('; ')}.`,
    cell: (row: number, column: number) => `row ${row}, column ${column}`,
    row: (n: number) => `row ${n}`,
    line: (n: number) => `line ${n}`,
    column: (n: number) => `column ${n}`
  },
  notifications: {
    label: 'Notifications',
    changed: (label: string, state: string) => `Your export request ${label} is now ${state.toLowerCase()}.`,
    importChanged: (label: string, state: string, delivered: boolean) =>
      `Your import ${label} is now ${state.toLowerCase()}${delivered ? ' (in work/inbox)' : ''}.`,
    dismiss: 'Dismiss',
    dismissLabel: (label: string) => `Dismiss the notification about ${label}`,
    queue: 'Review queue',
    queueLabel: (n: number) =>
      n === 0
        ? 'No request is waiting for review'
        : n === 1
          ? '1 request is waiting for review'
          : `${n} requests are waiting for review`
  },
  picker: {
    cartHeading: 'Export cart',
    resubmitHeading: 'Send again with files from the outbox',
    refresh: 'Refresh',
    cartIntro:
      'Pick the files in outbox/ that should leave the environment and say, for each, why it is needed outside. When you submit, each file is copied out and checked automatically; then reviewers other than you decide.',
    resubmitIntro:
      'Pick the corrected files from the outbox. The files of the returned round are picked already, with what you wrote then.',
    queryNote: 'A CSV sent from a notebook cell carries the query that made it: reviewers see it beside the file.',
    loading: 'Reading the outbox…',
    empty: 'outbox/ is empty. Move results there in Files, or send a notebook result to the outbox.',
    truncated: 'The workspace has more files than could be listed; some outbox files may be missing here.',
    justification: (name: string) => `Why is ${name} needed outside?`,
    justificationHint:
      'Reviewers read this: what the file shows and where it will be used (e.g. Table 2 of the paper).',
    noneSelected: 'Pick at least one file from the outbox.',
    tooMany: (max: number) => `A request holds at most ${max} files.`,
    justificationsMissing: (n: number) =>
      n === 1 ? 'One picked file has no justification yet.' : `${n} picked files have no justification yet.`,
    justificationMissing: (name: string) => `Say why ${name} is needed outside.`,
    submitting: 'Copying and checking the files…',
    submit: 'Submit for review',
    resubmit: 'Send again for review',
    cancel: 'Cancel',
    picked: (n: number) => (n === 1 ? '1 file picked' : `${n} files picked`),
    exceptionsLegend: (name: string) => `Exceptions for ${name}`,
    exceptionsHint:
      'These checks failed in the round returned, and the policy lets you ask an exception for them: if the file still fails one and you believe it is safe, say why. Each reviewer acknowledges your reason before approving.',
    exceptionAsk: (rule: string) => `Ask for an exception for ${rule}`,
    exceptionReason: (rule: string) => `Why may the file pass despite the ${rule} check?`,
    exceptionReasonMissing: (rule: string, name: string) => `Say why ${name} may pass despite the ${rule} check.`,
    expectedSummary: 'Expect a check to fail? Ask for an exception',
    expectedHint:
      'Only for a check you know this file fails and believe it is safe to release anyway, say why. The checks run when you submit: if one you ticked does not fail, or the project’s policy allows no exception for it, nothing is submitted and the gateway says why. You can also ask once you have seen the checks, before reviewers begin.'
  },
  request: {
    roundShort: (n: number) => `Round ${n}`,
    untitled: (id: string) => `Request ${id}`,
    idLabel: (id: string) => `Request ${id}`,
    created: 'Submitted',
    updated: 'Last change',
    released: 'Released',
    explain: {
      draft: 'Not submitted yet.',
      submitted: 'Waiting for a reviewer to open it.',
      in_review: 'Reviewers are looking at it. It is released once enough of them approve.',
      returned:
        'Reviewers asked for changes: read their comments, fix the files in the outbox and send the request again.',
      approved: 'Approved; the files are being released.',
      released: 'Released: you can download the files of the approved round.',
      rejected: "Rejected: these files cannot leave. Read the reviewers' comments.",
      withdrawn: 'You withdrew this request.'
    } satisfies Record<ExportState, string>,
    explainImport: {
      draft: 'Not submitted yet.',
      submitted: 'In quarantine, waiting for a reviewer to open it.',
      in_review: 'A reviewer is looking at it. It is brought in once a reviewer other than you approves.',
      returned: 'The reviewer asked for changes: read the comment, then bring the corrected file in as a new request.',
      approved: 'Approved: the file is put in work/inbox/ as soon as an analysis session of this project is running.',
      released: "Released: the file is in work/inbox/ of this project's workspace.",
      rejected: "Rejected: this file will not be brought in. Read the reviewer's comment.",
      withdrawn: 'This request was withdrawn.'
    } satisfies Record<ExportState, string>,
    releasedImport: 'Brought in',
    fileHeading: 'File',
    entriesHeading: 'What the archive holds',
    showDetails: 'Show details',
    hideDetails: 'Hide details',
    loading: 'Loading the request…',
    retry: 'Try again',
    reviewsNeeded: (y: number) =>
      y === 1
        ? 'One reviewer other than you approves each file. Votes are shown here once the round is decided.'
        : `${y} reviewers other than you approve each file, each on their own. Their votes are shown here once the round is decided.`,
    filesOfRound: (n: number) => `Files of round ${n}`,
    justification: 'Justification:',
    download: 'Download',
    downloadLabel: (name: string) => `Download ${name}`,
    downloading: 'Downloading…',
    downloaded: (name: string) => `${name} was downloaded.`,
    downloadFailed: (name: string, why: string) => `${name} could not be downloaded: ${why}`,
    earlierRounds: (n: number) => (n === 1 ? 'Earlier round' : `${n} earlier rounds`),
    resend: 'Send again',
    withdraw: 'Withdraw',
    confirmWithdraw: 'Withdraw this request? Reviewers stop reviewing it, and it cannot be sent again.',
    withdrawConfirm: 'Withdraw request',
    withdrawn: 'The request was withdrawn.',
    cancel: 'Cancel',
    lookingForSession: 'Looking for a running analysis session of this project…',
    noSession:
      'Sending again picks the corrected files from the outbox of a running analysis session of this project, and none is running. Start analysis, then send the request again from here or from the Airlock tab.',
    sessionStarting: 'The analysis session of this project is still starting. Look again in a moment.',
    openWorkspace: 'Start analysis',
    lookAgain: 'Look again',
    resent: (round: number) => `The request went back to the reviewers as round ${round}.`,
    exceptionsHeading: 'Exceptions asked',
    exceptionBy: (who: string, when: string) => `asked by ${who}, ${when}`,
    askException: 'Ask for an exception',
    askExceptionLabel: (name: string) => `Ask for an exception for a failing check of ${name}`,
    approveBlocked: 'Reviewers cannot approve this file as it stands:',
    votesHeading: "Reviewers' votes",
    downloadPackage: 'Download release package',
    downloadingPackage: 'Downloading…',
    packageHint:
      'One .tar.gz archive: the released files, a manifest with each file’s SHA-256, and the record of the checks, exceptions and reviews applied.',
    packageDownloaded: 'The release package was downloaded.'
  },
  exception: {
    legend: (name: string) => `Ask for an exception for ${name}`,
    rule: 'Failing check',
    reason: 'Why may the file pass despite this check?',
    reasonHint:
      'Reviewers read this, and each acknowledges it in their own words before approving: say why the output is safe to release, e.g. the figure is published already.',
    reasonMissing: 'Say why the file may pass despite the check.',
    send: 'Ask for the exception',
    sending: 'Sending…',
    cancel: 'Cancel',
    asked: (rule: string, name: string) =>
      `The exception for ${rule} of ${name} was asked. Reviewers acknowledge it before they approve.`
  },
  myRequests: {
    heading: 'My export requests',
    intro: 'Every request you sent to the airlock, the most recently changed first.',
    refresh: 'Refresh',
    retry: 'Try again',
    loading: 'Loading your requests…',
    empty: 'You have not sent anything to the airlock yet.'
  },
  myImports: {
    heading: 'My imports',
    intro: 'Every file you asked to bring in through the airlock, the most recently changed first.',
    refresh: 'Refresh',
    retry: 'Try again',
    loading: 'Loading your imports…',
    empty: 'You have not asked to bring any file in yet.'
  },
  imports: {
    heading: 'Bring a file in',
    intro:
      'Code, a code list or a reference table you need inside comes in through the airlock too: the file is kept in quarantine and checked, and once a reviewer other than you approves it, it appears in work/inbox/ of your running analysis session of this project, or of the next one.',
    file: 'File to bring in',
    fileHint:
      "By default: scripts and text (.py .r .sql .txt .md .json .yaml), tables (.csv), or an archive of them (.zip .tar.gz .tgz), up to 64 MiB. The project's policy may say otherwise: if a file is not allowed, the airlock says what is.",
    chosen: (name: string, size: string) => `${name}, ${size}`,
    justification: 'Why is it needed inside?',
    justificationHint: 'The reviewer reads this: what the file is, where it comes from and what you will use it for.',
    fileMissing: 'Choose the file to bring in.',
    justificationMissing: 'Say why the file is needed inside.',
    justificationTooLong: 'The justification is too long to send with the file: shorten it.',
    sendFailed:
      'The file could not be sent: the connection to the gateway was lost. Check that the file is within the size cap and try again.',
    submit: 'Submit for review',
    submitting: 'Uploading and checking the file…',
    justSubmitted: 'Imports just submitted',
    submittedNote: (name: string) =>
      `${name} is in quarantine. Here is what the automatic checks found; once a reviewer other than you approves it, it appears in work/inbox/${name}.`
  },
  airlock: {
    intro:
      'Results leave the environment only through the airlock: reviewers check each file before it is released to you. Files you need inside come in the same way.',
    toMyRequests: 'Go to my requests',
    toMyImports: 'Go to my imports',
    justSubmitted: 'Just submitted',
    submittedNote:
      'Your request was submitted. Here is what the automatic checks found; reviewers also read what each check quotes from your files.'
  },
  queue: {
    heading: 'Review queue',
    intro:
      "Other researchers' export requests waiting for a decision, the longest waiting first. Opening one starts its review.",
    refresh: 'Refresh',
    retry: 'Try again',
    loading: 'Loading the review queue…',
    empty: 'Nothing is waiting for review.',
    columns: {
      request: 'Request',
      kind: 'Kind',
      requester: 'Requester',
      state: 'State',
      round: 'Round',
      submitted: 'Submitted',
      updated: 'Last change',
      reviews: 'Reviews',
      conflicted: 'Conflicted',
      myReview: 'My review',
      action: 'Action'
    },
    reviewsValue: (x: number, y: number) => `${x} of ${y}`,
    conflictedValue: (n: number) => (n === 0 ? '–' : n === 1 ? '1 file' : `${n} files`),
    myReview: { none: 'None', draft: 'Draft', submitted: 'Submitted' } satisfies Record<MyReview, string>,
    open: 'Review',
    openLabel: (id: string, requester: string) => `Review request ${id} from ${requester}`
  },
  review: {
    documentTitle: 'Review',
    back: 'Back to review queue',
    heading: 'Export request',
    headingFor: (kind: string, label: string) => `Review ${kind.toLowerCase()}: ${label}`,
    kind: 'Kind',
    importNote:
      "This request brings something into the environment (code, a code list, a reference table or an archive of them). Once approved it is delivered into the requester's inbox/.",
    loading: 'Opening the request…',
    retry: 'Try again',
    summaryHeading: 'Request',
    state: 'State',
    requester: 'Requester',
    request: 'Request',
    round: 'Round',
    reviewsNeeded: 'Reviews needed',
    submitted: 'Submitted',
    updated: 'Last change',
    filesHeading: (round: number) => `Files of round ${round}`,
    justification: 'Justification',
    checks: 'Automatic checks',
    preview: 'Preview',
    provenance: (language: string) => `Made by this ${language} query in a notebook cell`,
    provenanceRows: (n: string) => (n === '1' ? '1 row, exported' : `${n} rows, exported`),
    recountDone: (person: string) => `People were recounted from the query (distinct ${person} per row), read-only, by the checks' own account.`,
    recountRoles: 'What each column computes, as the query declares it',
    recountUnavailable: (why: string) => `The people behind each row could not be recounted: ${why}`,
    residualDf: (df: string) => `The model's export reports ${df} residual degrees of freedom (reported by the researcher's kernel, not recomputed).`,
    earlierHeading: 'Earlier rounds',
    roundHeading: (n: number) => `Round ${n}`,
    comments: "Reviewers' comments",
    noComments: 'No comments.',
    showPreview: 'Show preview',
    hidePreview: 'Hide preview',
    fileState: 'State',
    exceptionsHeading: 'Exceptions the researcher asked for',
    exceptionBy: (who: string, when: string) => `Reason given by ${who}, ${when}:`,
    conflict:
      'The reviewers disagree on this file. A further reviewer who has not voted on it settles it: approving only if, with theirs, the approvals reach the number the policy needs.',
    votesHeading: "Reviewers' votes",
    vote: {
      legend: (name: string) => `Your vote on ${name}`,
      hints: {
        approve: 'The file may leave once enough reviewers approve it.',
        return: 'The researcher changes the file and sends it again in a new round.',
        reject: 'The file may not leave.'
      } satisfies Record<ReviewDecision, string>,
      comment: 'Comment',
      required: '(required)',
      optional: '(optional)',
      commentHint: 'Say what has to change, or why. Required to return or reject.',
      visibility: 'Who reads the comment',
      visibilityResearcher: 'The researcher and reviewers',
      visibilityReviewers: 'Reviewers only',
      acksLegend: 'Acknowledge before approving',
      acksHint: 'Each failing check the researcher asked an exception for, and each check that asks a person to look.',
      ackException: (rule: string) => `Exception for the ${rule} check`,
      ackExceptionComment: (rule: string) => `Your acknowledgement of the exception for ${rule}`,
      ackExceptionHint: 'In your own words: why the exception is acceptable.',
      ackReview: (rule: string) => `I have looked at what the ${rule} check asks a person to look at.`,
      ackReviewComment: (rule: string) => `What you found for ${rule} (optional)`,
      pick: 'Choose approve, return for changes or reject.',
      commentRequired: (decision: string) => `“${decision}” needs a comment: say what has to change, or why.`,
      ackMissing: 'Acknowledge each check above to approve the file.',
      save: 'Save vote',
      saving: 'Saving…',
      saved: 'Saved as a draft: it counts once you submit your review.',
      unsaved: 'Unsaved changes',
      yourVote: 'Your vote'
    },
    submit: {
      heading: 'Your review',
      settleHeading: 'Settle the disagreement',
      progress: (x: number, y: number) =>
        y === 1 ? `You have voted on ${x} of 1 file.` : `You have voted on ${x} of ${y} files.`,
      settleProgress: (x: number, y: number) =>
        y === 1 ? `You have voted on ${x} of 1 conflicted file.` : `You have voted on ${x} of ${y} conflicted files.`,
      settleIntro:
        'The reviews of this round are in, and they disagree on the files marked conflicted. Vote on each of them as a further reviewer, then settle them.',
      hiddenNote:
        "Other reviewers' votes are hidden until you submit your review, so that each review is made on its own.",
      hint: "Your votes become final, and you then see the other reviewers' votes.",
      submit: 'Submit my review',
      settle: 'Settle the conflicted files',
      submitting: 'Submitting…',
      unsaved: (names: string) => `Save or undo your changes to ${names} first.`,
      done: (state: string) => `Your review is in. The request is now ${state.toLowerCase()}.`,
      mine: 'You have submitted your review of this round.',
      reload: 'Open the request again',
      closed: (state: string) => `The request is ${state.toLowerCase()}: no review can be submitted on it now.`
    }
  },
  preview: {
    loading: 'Loading the file…',
    failed: (why: string) => `The file could not be shown: ${why}`,
    pdf: 'A PDF cannot be previewed here. If you cannot decide without reading it, return the request and ask for the figure as PNG or the table as CSV.',
    none: 'This kind of file cannot be previewed.',
    withheld: 'The file is not shown:',
    excerpt: 'Only an excerpt is shown:',
    excerptCut: 'Long cells and lines, and columns past the 50th, are cut short in the excerpt.',
    legend: 'Highlighted cells were flagged by a check: point at one, or move to it with Tab, to see which.',
    flagged: (rules: string) => `Flagged by: ${rules}`,
    tableCaption: (name: string) => `Contents of ${name}`,
    rowNumber: 'Row',
    rows: (n: string) => `${n} rows`,
    rowsNotShown: (shown: string, total: string, hidden: string) =>
      `Showing ${shown} of ${total} rows; ${hidden} rows not shown`,
    flaggedHidden: (n: string) => `${n} flagged cells are in rows not shown here.`,
    notImage: 'These bytes are not a PNG or JPEG image, so they are not shown.',
    imageAlt: (name: string) => `Preview of ${name}`,
    linesNotShown: (n: string) => `${n} more lines not shown`,
    archiveEmpty: 'The archive lists no entries.',
    archiveCaption: (name: string) => `Entries of ${name}`,
    archiveEntries: (n: string) => `${n} entries, as checked by the gateway (the archive is not unpacked here)`,
    archiveColumns: { name: 'Entry', type: 'Type', size: 'Size', file: 'File', folder: 'Folder' }
  },
  diff: {
    heading: (round: number) => `Changes since round ${round}`,
    label: (round: number) => `Lines changed since round ${round}`,
    loading: 'Comparing with the earlier version…',
    same: 'No line changed.',
    summary: (added: string, removed: string) => `${added} lines added, ${removed} removed`,
    skipped: (n: number) => (n === 1 ? '1 unchanged line' : `${n} unchanged lines`),
    more: 'Only the first changes are shown.',
    added: 'added',
    removed: 'removed'
  }
}

export type AirlockStrings = typeof en

export const airlockStrings: Localized<AirlockStrings> = {
  en,
  ja: {
    moreFiles: (n: number) => `ほか ${n} 件`,
    states: {
      draft: '下書き',
      submitted: '提出済み',
      in_review: '審査中',
      returned: '差し戻し',
      approved: '承認済み',
      released: '持ち出し可',
      rejected: '却下',
      withdrawn: '取り下げ'
    },
    importStates: { released: '持ち込み済み' },
    outcomes: { pass: '問題なし', review: '要確認', fail: '不可' },
    decisions: { approve: '承認', return: '差し戻し', reject: '却下' },
    directions: { export: '持ち出し', import: '持ち込み' },
    fileStates: {
      pending: '判断待ち',
      approved: '承認',
      returned: '差し戻し',
      rejected: '却下',
      conflicted: '意見相違',
      released: '持ち出し可'
    },
    votes: {
      label: (name: string) => `${name} への判断`,
      you: (name: string) => `${name}(あなた)`,
      draft: '下書き',
      forReviewers: '審査担当者のみ',
      commentForReviewers: 'コメントは審査担当者のみに公開されています。',
      ackException: (rule: string) => `「${rule}」の例外を確認:`,
      ackReview: (rule: string) => `「${rule}」のチェックを確認しました。`
    },
    rules: {
      threshold: '最小集計単位',
      zeros: 'ゼロセル',
      dominance: '優越性 (n,k)',
      'p-percent': 'p% ルール',
      'residual-df': '残差自由度',
      'row-level': '個票データ',
      differencing: '差分による特定',
      repeats: '持ち出し済みの出力',
      'file-type': 'ファイル形式とサイズ',
      images: '図'
    },
    checks: {
      label: '自動開示チェック',
      none: 'このファイルのチェック結果は記録されていません。',
      passed: (n: number) => `${n} 件のチェックで問題なし`,
      own: {
        threshold: {
          pass: '最小集計単位を下回る集計値は見つかりませんでした。',
          review:
            'どの数値が人数を数えているか判別できませんでした。審査担当者がすべてのセルを最小集計単位と照らし合わせて確認します。',
          fail: '最小集計単位に満たない人数に基づくセルがあります。秘匿するか、区分を統合してください。'
        },
        zeros: {
          pass: 'このポリシーで開示につながるとされるゼロは見つかりませんでした。',
          review: 'ゼロが人数を数えたものか判別できませんでした。審査担当者が確認します。',
          fail: 'ゼロの集計値、または該当者のいない行があります。このポリシーではこれを開示につながるものとして扱います。'
        },
        dominance: {
          pass: '少数の寄与者が大半を占めるセルはありません(または適用外です)。',
          review: '一部の合計値・平均値は優越性を確認できませんでした。審査担当者が確認します。',
          fail: '上位の寄与者が大半を占めるセルがあります(n,k ルール)。'
        },
        'p-percent': {
          pass: 'ある寄与者が他の寄与者の値を正確に推定できるセルはありません(または適用外です)。',
          review: '一部の合計値・平均値は p% ルールを確認できませんでした。審査担当者が確認します。',
          fail: '2 番目に大きい寄与者が最大の寄与者の値を正確に推定できるセルがあります(p% ルール)。'
        },
        'residual-df': {
          pass: '残差自由度が不足するモデルは見つかりませんでした。',
          review: 'モデルの推定値のように見えますが、残差自由度が不明です。',
          fail: 'ポリシーが認めるより残差自由度の少ないモデルがあります。'
        },
        'row-level': {
          pass: '集計済みの出力と判断しました。',
          review: '個票が含まれている可能性があります。審査担当者が詳しく確認します。',
          fail: '識別子のような列があります。個人を特定する出力は持ち出せません。'
        },
        differencing: {
          pass: 'このプロジェクトの過去の出力との差分から少人数の集団は特定されません。',
          review: '同じ列を持つ過去の出力があります。審査担当者が両者を比較します。',
          fail: 'このプロジェクトの過去の出力との差分から、最小集計単位に満たない集団が特定されます。'
        },
        repeats: {
          pass: 'このファイルはこれまでに持ち出されていません。',
          review: 'まったく同じ内容のファイルが以前に持ち出されています。',
          fail: 'まったく同じ内容のファイルが以前に持ち出されています。'
        },
        'file-type': {
          pass: 'ファイルの形式とサイズは許可されています。',
          review: 'この形式のファイルには自動チェックがありません。審査担当者が全体を確認します。',
          fail: 'このままでは持ち出せません。形式またはサイズが許可されていないか、名前と中身が一致しないか、表として読み取れません。'
        },
        images: {
          pass: '図の元になる表が同じ申請に含まれており、あわせてチェックされます。',
          review: '図や PDF は自動では読み取れません。審査担当者が目で確認し、元の表を求めることがあります。',
          fail: 'この図は自動では読み取れません。'
        }
      },
      ownUnknown: 'このチェックの結果は審査担当者のみが確認できます。',
      ownNote:
        'チェックがファイルから引用する内容は審査担当者にのみ表示されます。ここでは各チェックの結果と該当箇所を示します。',
      where: (places: string[], more: number) =>
        more > 0 ? `該当箇所: ${places.join('、')} ほか ${more} 件` : `該当箇所: ${places.join('、')}`,
      cell: (row: number, column: number) => `${row} 行 ${column} 列`,
      row: (n: number) => `${n} 行目`,
      line: (n: number) => `${n} 行目`,
      column: (n: number) => `${n} 列目`
    },
    notifications: {
      label: 'お知らせ',
      changed: (label: string, state: string) => `持ち出し申請 ${label} の状態が「${state}」になりました。`,
      importChanged: (label: string, state: string, delivered: boolean) =>
        delivered
          ? `持ち込み申請 ${label} が承認され、work/inbox に置かれました。`
          : `持ち込み申請 ${label} の状態が「${state}」になりました。`,
      dismiss: '閉じる',
      dismissLabel: (label: string) => `${label} についてのお知らせを閉じる`,
      queue: '審査待ち',
      queueLabel: (n: number) => (n === 0 ? '審査待ちの申請はありません' : `審査待ちの申請が ${n} 件あります`)
    },
    picker: {
      cartHeading: '持ち出しカート',
      resubmitHeading: 'outbox のファイルで再提出',
      refresh: '再読み込み',
      cartIntro:
        '環境の外に持ち出すファイルを outbox/ から選び、それぞれ外部で必要な理由を記入してください。提出すると各ファイルが取り出されて自動でチェックされ、その後あなた以外の審査担当者が判断します。',
      resubmitIntro:
        'outbox から修正済みのファイルを選んでください。差し戻されたラウンドのファイルは、前回の記入内容とともに選択済みです。',
      queryNote:
        'ノートブックのセルから送った CSV には、作成したクエリが添付されます。審査担当者はファイルと並べて確認します。',
      loading: 'outbox を読み込んでいます…',
      empty:
        'outbox/ は空です。「ファイル」で結果を outbox へ移動するか、ノートブックの結果を outbox へ送ってください。',
      truncated:
        'ワークスペースのファイルが多すぎて一覧しきれません。一部の outbox のファイルが表示されていない可能性があります。',
      justification: (name: string) => `${name} を外部で必要とする理由`,
      justificationHint: '審査担当者が読みます。ファイルの内容と用途(例: 論文の表 2)を書いてください。',
      noneSelected: 'outbox からファイルを 1 つ以上選んでください。',
      tooMany: (max: number) => `1 件の申請に含められるファイルは ${max} 個までです。`,
      justificationsMissing: (n: number) => `選択したファイルのうち ${n} 個に理由が記入されていません。`,
      justificationMissing: (name: string) => `${name} を外部で必要とする理由を記入してください。`,
      submitting: 'ファイルを取り出してチェックしています…',
      submit: '審査に提出',
      resubmit: '審査に再提出',
      cancel: 'キャンセル',
      picked: (n: number) => `${n} 個のファイルを選択中`,
      exceptionsLegend: (name: string) => `${name} の例外`,
      exceptionsHint:
        '差し戻されたラウンドで不可となったチェックのうち、ポリシーが例外を認めるものです。ファイルがまだそのチェックで不可となり、それでも安全だと考える場合は理由を記入してください。各審査担当者が理由を確認してから承認します。',
      exceptionAsk: (rule: string) => `「${rule}」の例外を申請する`,
      exceptionReason: (rule: string) => `「${rule}」のチェックで不可でも持ち出してよい理由`,
      exceptionReasonMissing: (rule: string, name: string) =>
        `${name} が「${rule}」のチェックで不可でも持ち出してよい理由を記入してください。`,
      expectedSummary: 'チェックで不可となる見込みですか?例外を申請する',
      expectedHint:
        'このファイルが不可となることが分かっていて、それでも持ち出して安全だと考えるチェックについてのみ、理由を記入してください。チェックは提出時に行われます。選んだチェックが不可とならなかった場合や、プロジェクトのポリシーがそのチェックの例外を認めない場合は、何も提出されず、ゲートウェイがその理由を示します。チェック結果を見てから、審査が始まる前に申請することもできます。'
    },
    request: {
      roundShort: (n: number) => `ラウンド ${n}`,
      untitled: (id: string) => `申請 ${id}`,
      idLabel: (id: string) => `申請 ${id}`,
      created: '提出',
      updated: '最終更新',
      released: '持ち出し許可',
      explain: {
        draft: 'まだ提出されていません。',
        submitted: '審査担当者が確認を始めるのを待っています。',
        in_review: '審査中です。必要な人数の審査担当者が承認すると持ち出しが許可されます。',
        returned:
          '修正を求められました。審査担当者のコメントを読み、outbox のファイルを修正してから再提出してください。',
        approved: '承認されました。ファイルの持ち出し準備をしています。',
        released: '持ち出しが許可されました。承認されたラウンドのファイルをダウンロードできます。',
        rejected: '却下されました。これらのファイルは持ち出せません。審査担当者のコメントを確認してください。',
        withdrawn: 'この申請は取り下げられました。'
      },
      explainImport: {
        draft: 'まだ提出されていません。',
        submitted: '隔離保管中です。審査担当者が確認を始めるのを待っています。',
        in_review: '審査中です。あなた以外の審査担当者が承認すると持ち込まれます。',
        returned:
          '修正を求められました。審査担当者のコメントを読み、修正したファイルを新しい申請として持ち込んでください。',
        approved: '承認されました。このプロジェクトの解析セッションが実行中になりしだい、work/inbox/ に置かれます。',
        released: '持ち込みが完了しました。ファイルはこのプロジェクトのワークスペースの work/inbox/ にあります。',
        rejected: '却下されました。このファイルは持ち込めません。審査担当者のコメントを確認してください。',
        withdrawn: 'この申請は取り下げられました。'
      },
      releasedImport: '持ち込み完了',
      fileHeading: 'ファイル',
      entriesHeading: 'アーカイブの中身',
      showDetails: '詳細を表示',
      hideDetails: '詳細を隠す',
      loading: '申請を読み込んでいます…',
      retry: '再試行',
      reviewsNeeded: (y: number) =>
        `各ファイルは、あなた以外の審査担当者 ${y} 名がそれぞれ独立に承認します。判断はラウンドが確定するとここに表示されます。`,
      filesOfRound: (n: number) => `ラウンド ${n} のファイル`,
      justification: '理由:',
      download: 'ダウンロード',
      downloadLabel: (name: string) => `${name} をダウンロード`,
      downloading: 'ダウンロードしています…',
      downloaded: (name: string) => `${name} をダウンロードしました。`,
      downloadFailed: (name: string, why: string) => `${name} をダウンロードできませんでした: ${why}`,
      earlierRounds: (n: number) => (n === 1 ? '以前のラウンド' : `以前のラウンド(${n} 件)`),
      resend: '再提出',
      withdraw: '取り下げ',
      confirmWithdraw: 'この申請を取り下げますか?審査は中止され、再提出はできなくなります。',
      withdrawConfirm: '申請を取り下げる',
      withdrawn: '申請を取り下げました。',
      cancel: 'キャンセル',
      lookingForSession: 'このプロジェクトで実行中の解析セッションを探しています…',
      noSession:
        '再提出では、このプロジェクトで実行中の解析セッションの outbox から修正済みファイルを選びますが、実行中のセッションがありません。解析を開始してから、ここか「エアロック」タブで再提出してください。',
      sessionStarting: 'このプロジェクトの解析セッションはまだ起動中です。しばらくしてからもう一度お試しください。',
      openWorkspace: '解析を開始',
      lookAgain: 'もう一度確認',
      resent: (round: number) => `申請をラウンド ${round} として審査担当者に再提出しました。`,
      exceptionsHeading: '申請した例外',
      exceptionBy: (who: string, when: string) => `${who} が申請(${when})`,
      askException: '例外を申請',
      askExceptionLabel: (name: string) => `${name} の不可となったチェックについて例外を申請`,
      approveBlocked: 'このままでは審査担当者はこのファイルを承認できません:',
      votesHeading: '審査担当者の判断',
      downloadPackage: '持ち出しパッケージをダウンロード',
      downloadingPackage: 'ダウンロードしています…',
      packageHint:
        '1 つの .tar.gz アーカイブです。持ち出しが許可されたファイル、各ファイルの SHA-256 を記したマニフェスト、適用されたチェック・例外・審査の記録を含みます。',
      packageDownloaded: '持ち出しパッケージをダウンロードしました。'
    },
    exception: {
      legend: (name: string) => `${name} の例外を申請`,
      rule: '不可となったチェック',
      reason: 'このチェックで不可でも持ち出してよい理由',
      reasonHint:
        '審査担当者が読み、各自が自分の言葉で確認してから承認します。公表済みの数値であるなど、持ち出しても安全な理由を書いてください。',
      reasonMissing: 'チェックで不可でも持ち出してよい理由を記入してください。',
      send: '例外を申請',
      sending: '送信しています…',
      cancel: 'キャンセル',
      asked: (rule: string, name: string) =>
        `${name} の「${rule}」について例外を申請しました。審査担当者は承認の前にこれを確認します。`
    },
    myRequests: {
      heading: '自分の持ち出し申請',
      intro: 'エアロックに送ったすべての申請です。最近更新されたものから順に表示します。',
      refresh: '再読み込み',
      retry: '再試行',
      loading: '申請を読み込んでいます…',
      empty: 'エアロックにはまだ何も送っていません。'
    },
    myImports: {
      heading: '自分の持ち込み申請',
      intro: 'エアロックを通して持ち込みを申請したすべてのファイルです。最近更新されたものから順に表示します。',
      refresh: '再読み込み',
      retry: '再試行',
      loading: '持ち込み申請を読み込んでいます…',
      empty: 'ファイルの持ち込みはまだ申請していません。'
    },
    imports: {
      heading: 'ファイルを持ち込む',
      intro:
        '環境内で使うコード、コードリスト、参照テーブルもエアロックを通して持ち込みます。ファイルは隔離保管されて自動でチェックされ、あなた以外の審査担当者が承認すると、このプロジェクトで実行中の解析セッション(なければ次に起動するセッション)の work/inbox/ に置かれます。',
      file: '持ち込むファイル',
      fileHint:
        '既定では、スクリプトやテキスト(.py .r .sql .txt .md .json .yaml)、表(.csv)、およびそれらのアーカイブ(.zip .tar.gz .tgz)で、64 MiB までです。プロジェクトのポリシーによっては異なります。持ち込めないファイルの場合は、持ち込める種類をエアロックが示します。',
      chosen: (name: string, size: string) => `${name}(${size})`,
      justification: '環境内で必要な理由',
      justificationHint: '審査担当者が読みます。ファイルの内容、入手元、用途を書いてください。',
      fileMissing: '持ち込むファイルを選んでください。',
      justificationMissing: '環境内で必要な理由を記入してください。',
      justificationTooLong: '理由が長すぎるため、ファイルと一緒に送信できません。短くしてください。',
      sendFailed:
        'ファイルを送信できませんでした。ゲートウェイとの接続が切れました。サイズの上限を超えていないか確認して、もう一度お試しください。',
      submit: '審査に提出',
      submitting: 'ファイルをアップロードしてチェックしています…',
      justSubmitted: '提出した持ち込み申請',
      submittedNote: (name: string) =>
        `${name} を隔離保管しました。自動チェックの結果は次のとおりです。あなた以外の審査担当者が承認すると、work/inbox/${name} に置かれます。`
    },
    airlock: {
      intro:
        '結果はエアロックを通してのみ環境の外に出せます。各ファイルは審査担当者が確認してから持ち出しが許可されます。環境内で使うファイルも同じようにして持ち込みます。',
      toMyRequests: '自分の申請へ移動',
      toMyImports: '自分の持ち込み申請へ移動',
      justSubmitted: '提出した申請',
      submittedNote:
        '申請を提出しました。自動チェックの結果は次のとおりです。審査担当者は、各チェックがファイルから引用した内容もあわせて確認します。'
    },
    queue: {
      heading: '審査待ち一覧',
      intro:
        '判断を待っている他の研究者の持ち出し申請です。待ち時間の長いものから表示します。申請を開くと審査が始まります。',
      refresh: '再読み込み',
      retry: '再試行',
      loading: '審査待ち一覧を読み込んでいます…',
      empty: '審査待ちの申請はありません。',
      columns: {
        request: '申請',
        kind: '種別',
        requester: '申請者',
        state: '状態',
        round: 'ラウンド',
        submitted: '提出',
        updated: '最終更新',
        reviews: '審査',
        conflicted: '意見相違',
        myReview: '自分の審査',
        action: '操作'
      },
      reviewsValue: (x: number, y: number) => `${y} 件中 ${x} 件`,
      conflictedValue: (n: number) => (n === 0 ? '–' : `${n} ファイル`),
      myReview: { none: '未着手', draft: '下書き', submitted: '提出済み' },
      open: '審査する',
      openLabel: (id: string, requester: string) => `${requester} さんの申請 ${id} を審査する`
    },
    review: {
      documentTitle: '審査',
      back: '審査待ち一覧に戻る',
      heading: '持ち出し申請',
      headingFor: (kind: string, label: string) => `審査(${kind}): ${label}`,
      kind: '種別',
      importNote:
        'この申請は環境内への持ち込みです(コード、コードリスト、参照テーブル、またはそれらのアーカイブ)。承認されると申請者の inbox/ に届きます。',
      loading: '申請を開いています…',
      retry: '再試行',
      summaryHeading: '申請',
      state: '状態',
      requester: '申請者',
      request: '申請',
      round: 'ラウンド',
      reviewsNeeded: '必要な審査数',
      submitted: '提出',
      updated: '最終更新',
      filesHeading: (round: number) => `ラウンド ${round} のファイル`,
      justification: '理由',
      checks: '自動チェック',
      preview: 'プレビュー',
      provenance: (language: string) => `ノートブックのセルでこの ${language} クエリから作成`,
      provenanceRows: (n: string) => `${n} 行を出力`,
      recountDone: (person: string) => `クエリから各行の人数を数え直しました（行ごとの ${person} の異なり数。読み取り専用、チェック専用アカウント）。`,
      recountRoles: 'クエリが宣言する各列の計算内容',
      recountUnavailable: (why: string) => `各行の人数を数え直せませんでした：${why}`,
      residualDf: (df: string) => `モデルの出力による残差自由度は ${df} です（研究者のカーネルの報告で、再計算していません）。`,
      earlierHeading: '以前のラウンド',
      roundHeading: (n: number) => `ラウンド ${n}`,
      comments: '審査担当者のコメント',
      noComments: 'コメントはありません。',
      showPreview: 'プレビューを表示',
      hidePreview: 'プレビューを隠す',
      fileState: '状態',
      exceptionsHeading: '申請者が求めた例外',
      exceptionBy: (who: string, when: string) => `${who} の理由(${when}):`,
      conflict:
        '審査担当者の判断が分かれています。このファイルにまだ判断していない別の審査担当者が決着をつけます。承認できるのは、その承認を加えてポリシーが求める承認数に達する場合のみです。',
      votesHeading: '審査担当者の判断',
      vote: {
        legend: (name: string) => `${name} へのあなたの判断`,
        hints: {
          approve: '必要な人数の審査担当者が承認すると、このファイルを持ち出せます。',
          return: '申請者がファイルを修正し、新しいラウンドとして再提出します。',
          reject: 'このファイルは持ち出せません。'
        },
        comment: 'コメント',
        required: '(必須)',
        optional: '(任意)',
        commentHint: '何を直すべきか、またはその理由を書いてください。差し戻し・却下の場合は必須です。',
        visibility: 'コメントを読む人',
        visibilityResearcher: '申請者と審査担当者',
        visibilityReviewers: '審査担当者のみ',
        acksLegend: '承認の前に確認すること',
        acksHint: '申請者が例外を求めた不可のチェックと、人による確認を求めるチェックのそれぞれです。',
        ackException: (rule: string) => `「${rule}」のチェックの例外`,
        ackExceptionComment: (rule: string) => `「${rule}」の例外についてのあなたの確認`,
        ackExceptionHint: 'なぜ例外を認めてよいかを、自分の言葉で書いてください。',
        ackReview: (rule: string) => `「${rule}」のチェックが確認を求める内容を見ました。`,
        ackReviewComment: (rule: string) => `「${rule}」について確認した内容(任意)`,
        pick: '承認・差し戻し・却下のいずれかを選んでください。',
        commentRequired: (decision: string) =>
          `「${decision}」にはコメントが必要です。何を直すべきか、またはその理由を書いてください。`,
        ackMissing: 'ファイルを承認するには、上の各チェックを確認してください。',
        save: '判断を保存',
        saving: '保存しています…',
        saved: '下書きとして保存しました。審査を提出すると有効になります。',
        unsaved: '未保存の変更があります',
        yourVote: 'あなたの判断'
      },
      submit: {
        heading: 'あなたの審査',
        settleHeading: '意見相違の決着',
        progress: (x: number, y: number) => `${y} ファイル中 ${x} ファイルに判断済みです。`,
        settleProgress: (x: number, y: number) => `意見相違の ${y} ファイル中 ${x} ファイルに判断済みです。`,
        settleIntro:
          'このラウンドの審査はそろいましたが、「意見相違」のファイルで判断が分かれています。別の審査担当者としてそれぞれに判断し、決着をつけてください。',
        hiddenNote: '各審査が独立して行われるよう、他の審査担当者の判断はあなたが審査を提出するまで表示されません。',
        hint: '提出すると判断は確定し、他の審査担当者の判断が表示されます。',
        submit: '審査を提出',
        settle: '意見相違のファイルに決着をつける',
        submitting: '提出しています…',
        unsaved: (names: string) => `先に ${names} への変更を保存するか、元に戻してください。`,
        done: (state: string) => `審査を提出しました。申請の状態は「${state}」です。`,
        mine: 'このラウンドの審査は提出済みです。',
        reload: '申請を開き直す',
        closed: (state: string) => `申請の状態は「${state}」のため、現在は審査を提出できません。`
      }
    },
    preview: {
      loading: 'ファイルを読み込んでいます…',
      failed: (why: string) => `ファイルを表示できませんでした: ${why}`,
      pdf: 'PDF はここではプレビューできません。読まずに判断できない場合は、申請を差し戻して図は PNG、表は CSV で提出するよう依頼してください。',
      none: 'この種類のファイルはプレビューできません。',
      withheld: 'このファイルは表示されません:',
      excerpt: '抜粋のみを表示しています:',
      excerptCut: '抜粋では、長いセルや行、および 51 列目以降は省略されています。',
      legend:
        '強調表示のセルはチェックで指摘されたものです。ポインタを合わせるか Tab キーで移動すると、どのチェックかを確認できます。',
      flagged: (rules: string) => `指摘したチェック: ${rules}`,
      tableCaption: (name: string) => `${name} の内容`,
      rowNumber: '行',
      rows: (n: string) => `${n} 行`,
      rowsNotShown: (shown: string, total: string, hidden: string) =>
        `全 ${total} 行のうち ${shown} 行を表示しています(${hidden} 行は表示されていません)`,
      flaggedHidden: (n: string) => `指摘されたセルのうち ${n} 個は、表示されていない行にあります。`,
      notImage: 'このファイルの中身は PNG または JPEG 画像ではないため、表示しません。',
      imageAlt: (name: string) => `${name} のプレビュー`,
      linesNotShown: (n: string) => `ほか ${n} 行は表示されていません`,
      archiveEmpty: 'このアーカイブにはエントリがありません。',
      archiveCaption: (name: string) => `${name} のエントリ`,
      archiveEntries: (n: string) => `ゲートウェイが確認した ${n} 件のエントリ(ここでは展開しません)`,
      archiveColumns: { name: 'エントリ', type: '種類', size: 'サイズ', file: 'ファイル', folder: 'フォルダ' }
    },
    diff: {
      heading: (round: number) => `ラウンド ${round} からの変更`,
      label: (round: number) => `ラウンド ${round} から変更された行`,
      loading: '以前の版と比較しています…',
      same: '変更された行はありません。',
      summary: (added: string, removed: string) => `${added} 行追加、${removed} 行削除`,
      skipped: (n: number) => `変更のない ${n} 行`,
      more: '最初の変更のみを表示しています。',
      added: '追加',
      removed: '削除'
    }
  }
}

/** A request's state as people read it: an import's own name where it has one (ja: brought in, not taken out). */
export function stateName(t: AirlockStrings, state: ExportState, direction: AirlockDirection = 'export'): string {
  return (direction === 'import' ? t.importStates[state] : undefined) ?? t.states[state]
}
