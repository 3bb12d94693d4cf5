import type { Localized } from '../../i18n/language'
import type { PendingState, Role } from '../../api/types'

const en = {
  tab: 'Approvals',
  heading: 'Changes waiting for a second administrator',
  intro:
    'Making a reviewer or an administrator, taking those roles away, moving either to another organization, resetting their credentials, and a policy that relaxes the airlock in any way (fewer reviewers, exceptions, lower thresholds, more file types, larger caps) each need two administrators: one asks, with a reason, another approves or refuses. Nobody decides their own request.',
  showDecided: 'Show decided changes too',
  none: 'Nothing is waiting for approval.',
  loading: 'Loading…',
  asked: (name: string, time: string) => `Asked by ${name}, ${time}`,
  reason: 'Why',
  decided: (state: string, name: string, time: string) => `${state} by ${name}, ${time}`,
  decisionReason: 'Reason given',
  state: { pending: 'waiting', approved: 'Approved', refused: 'Refused', withdrawn: 'Withdrawn' } as Record<
    PendingState,
    string
  >,
  approve: 'Approve',
  refuse: 'Refuse…',
  withdraw: 'Withdraw',
  confirmApprove: (summary: string) => `Approve this change? It is carried out at once: ${summary}`,
  confirmRefuse: (summary: string) => `Refuse this change? Nothing is changed: ${summary}`,
  confirmWithdraw: 'Withdraw your request? Nothing is changed.',
  refuseReason: 'Reason (for the administrator who asked; kept in the audit log)',
  confirm: 'Confirm',
  cancel: 'Cancel',
  showDiff: 'Show the policy change',
  role: { researcher: 'researcher', reviewer: 'reviewer', admin: 'administrator' } as Record<Role, string>,
  summary: {
    create: (username: string, name: string, roles: string) => `Create the account ${username} (${name}) as ${roles}`,
    grant: (roles: string, username: string) => `Grant ${roles} to ${username}`,
    remove: (roles: string, username: string) => `Take ${roles} away from ${username}`,
    move: (username: string, organization: string | null) =>
      organization === null ? `Take ${username} out of their organization` : `Move ${username} to ${organization}`,
    reset: (username: string, roles: string) => `Reset the credentials of ${username} (${roles})`,
    policy: (name: string, version: number, what: string) => `Policy ${name}, from version ${version}: ${what}`,
    project: (title: string, from: string, to: string, what: string) =>
      `Move the project "${title}" from ${from} to ${to}: ${what}`
  },
  weakening: {
    reviewers: (from: unknown, to: unknown) => `reviewers ${String(from)} → ${String(to)}`,
    exceptionRules: (rules: string) => `exceptions allowed for ${rules}`,
    excludeRequesterOrganization: "reviewers of the requester's organization allowed",
    partialRelease: 'partial release switched on',
    zerosDisclosive: 'zeros no longer disclosive',
    adds: (key: string, what: string) => `${key} adds ${what}`,
    changed: (key: string, from: unknown, to: unknown) => `${key} ${String(from)} → ${String(to)}`
  },
  and: ' and ',
  halfHeading: (part: 1 | 2, username: string) => `Part ${part} of 2 of the enrolment link for ${username}`,
  halfIntroAsker:
    'You asked for this, so part 1 of the link is yours to send to the person, over a channel of your own; the administrator who approves is shown part 2, and sends it another way. The person opens the enrolment page and enters both parts: neither works alone. Shown only now: if you lose it, withdraw the request and ask again.',
  halfIntroApprover: (until: string) =>
    `You approved it, so part 2 of the link is yours to send to the person, over a channel of your own; the administrator who asked was shown part 1. The person opens the enrolment page and enters both parts: neither works alone. The link works once, until ${until}, and this part is shown only now.`,
  halfLabel: (part: 1 | 2) => `Part ${part}`,
  halfPage: 'Enrolment page',
  enrolledThrough: (issuer: string, time: string) => `Enrolled ${time} through a link ${issuer} issued.`,
  close: 'Close',
  approved: 'Approved and carried out.',
  yours: 'You asked for this change: another administrator approves or refuses it.',
  reenrol: (username: string) =>
    `Approving this also takes ${username}'s password and authenticator away and ends their sign-ins: they enrol again through a new link, part 1 from the administrator who asked and part 2 from you, so that whoever set the account's credentials so far holds nothing of it.`
}

export const approvalStrings: Localized<typeof en> = {
  en,
  ja: {
    tab: '承認',
    heading: 'もう一人の管理者の承認を待つ変更',
    intro:
      '審査者や管理者の作成、それらの役割の取り消し、その所属機関の変更、その認証情報のリセット、審査者数の削減、例外の許可、しきい値の引き下げ、ファイル種類や上限の拡大など、エアロックを緩めるポリシー変更には、2人の管理者が必要です。1人が理由を添えて申請し、別の1人が承認または却下します。自分の申請は自分で決められません。',
    showDecided: '決定済みの変更も表示',
    none: '承認待ちの変更はありません。',
    loading: '読み込み中…',
    asked: (name: string, time: string) => `${name} が申請（${time}）`,
    reason: '理由',
    decided: (state: string, name: string, time: string) => `${name} が${state}（${time}）`,
    decisionReason: '決定の理由',
    state: { pending: '承認待ち', approved: '承認', refused: '却下', withdrawn: '取り下げ' },
    approve: '承認',
    refuse: '却下…',
    withdraw: '取り下げ',
    confirmApprove: (summary: string) => `この変更を承認しますか？直ちに実行されます：${summary}`,
    confirmRefuse: (summary: string) => `この変更を却下しますか？何も変更されません：${summary}`,
    confirmWithdraw: '申請を取り下げますか？何も変更されません。',
    refuseReason: '理由（申請した管理者に伝わり、監査ログに残ります）',
    confirm: '実行',
    cancel: 'キャンセル',
    showDiff: 'ポリシーの変更点を表示',
    role: { researcher: '研究者', reviewer: '審査者', admin: '管理者' },
    summary: {
      create: (username: string, name: string, roles: string) =>
        `アカウント ${username}（${name}）を${roles}として作成`,
      grant: (roles: string, username: string) => `${username} に${roles}の役割を付与`,
      remove: (roles: string, username: string) => `${username} から${roles}の役割を削除`,
      move: (username: string, organization: string | null) =>
        organization === null ? `${username} を所属機関から外す` : `${username} の所属機関を ${organization} に変更`,
      reset: (username: string, roles: string) => `${username}（${roles}）の認証情報をリセット`,
      policy: (name: string, version: number, what: string) => `ポリシー ${name}（第${version}版から）：${what}`,
      project: (title: string, from: string, to: string, what: string) =>
        `研究課題「${title}」のポリシーを ${from} から ${to} に変更：${what}`
    },
    weakening: {
      reviewers: (from: unknown, to: unknown) => `審査者数 ${String(from)} → ${String(to)}`,
      exceptionRules: (rules: string) => `${rules} の例外を許可`,
      excludeRequesterOrganization: '申請者と同じ機関の審査者を許可',
      partialRelease: '一部承認ファイルの公開を許可',
      zerosDisclosive: '0 のセルを秘匿対象から除外',
      adds: (key: string, what: string) => `${key} に ${what} を追加`,
      changed: (key: string, from: unknown, to: unknown) => `${key} ${String(from)} → ${String(to)}`
    },
    and: '、',
    halfHeading: (part: 1 | 2, username: string) => `${username} の登録用リンク（2部分のうち第${part}部分）`,
    halfIntroAsker:
      '申請したあなたが、ご自身の経路で本人に第1部分を送ってください。承認する管理者には第2部分が表示され、別の経路で送られます。本人は登録ページで両方を入力します。どちらか一方だけでは使えません。表示はこの一度だけです。紛失した場合は申請を取り下げ、改めて申請してください。',
    halfIntroApprover: (until: string) =>
      `承認したあなたが、ご自身の経路で本人に第2部分を送ってください。申請した管理者には第1部分が表示されています。本人は登録ページで両方を入力します。どちらか一方だけでは使えません。リンクは ${until} まで1回だけ使え、この部分の表示はこの一度だけです。`,
    halfLabel: (part: 1 | 2) => `第${part}部分`,
    halfPage: '登録ページ',
    enrolledThrough: (issuer: string, time: string) => `${issuer} が発行したリンクで登録（${time}）。`,
    close: '閉じる',
    approved: '承認し、実行しました。',
    yours: 'あなたが申請した変更です。承認または却下は他の管理者が行います。',
    reenrol: (username: string) =>
      `承認すると ${username} のパスワードと認証アプリは使えなくなり、サインインも終了します。本人は新しい登録用リンク（第1部分は申請した管理者から、第2部分はあなたから）で登録し直します。これまでアカウントの認証情報を設定した人は、何も保持しないことになります。`
  }
}
