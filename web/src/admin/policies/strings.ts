import type { Localized } from '../../i18n/language'

// The server's validation messages ("must be <= 64") are shown as they come, in English, next to
// the field they are about; everything around them is localized here.

const en = {
  tab: 'Policies',
  list: {
    heading: 'Policies',
    intro:
      'Every project works under the default policy unless it is assigned another. A saved version applies to new sessions at once; limits that can change live reach running sessions too.',
    name: 'Policy',
    version: 'Version',
    author: 'Saved by',
    time: 'Saved at',
    projects: 'Projects',
    edit: (name: string) => `Edit ${name}`
  },
  editor: {
    heading: (name: string, version: number) => `${name}, version ${version}`,
    form: 'Form',
    yaml: 'YAML',
    modeLabel: 'How to edit',
    sandbox: 'Sandboxes',
    airlock: 'Airlock (output checks)',
    display: 'Screen (display budget)',
    auth: 'Sign-in',
    authNote: 'Sign-in settings are the platform’s: only those of the default policy are used.',
    comment:
      'What changed and why (kept in the history; required for fewer reviewers or more exceptions, which a second administrator approves)',
    save: 'Save a new version',
    saving: 'Saving…',
    reset: 'Discard changes',
    invalid: (n: number) => `Not saved: ${n === 1 ? 'one value needs' : `${n} values need`} correcting.`,
    otherProblems: 'Problems elsewhere in the policy:',
    line: (n: number) => `line ${n}`,
    stale: (version: number) =>
      `Someone saved version ${version} while you were editing; nothing was saved. Your changes are still here: reload the current version, make them again and save.`,
    reload: 'Load the current version',
    saved: (version: number) => `Saved as version ${version}.`,
    unchanged: 'Nothing changed, so nothing was saved.',
    held: 'Not saved yet: this change relaxes a safeguard (the airlock, the screen budget, monitoring, the sandbox or sign-in), so it waits for a second administrator (Approvals tab).',
    yamlLabel: 'The policy in YAML',
    yamlHint: 'Checked by the server when you save; problems are listed with their line.'
  },
  fields: {
    image: 'Sandbox image',
    runtime: 'Runtime',
    cpus: 'CPUs',
    memoryMiB: 'Memory (MiB)',
    pids: 'Processes',
    workAreaMiB: 'Workspace (MiB)',
    tmpMiB: '/tmp (MiB)',
    dataMiB: 'Datasets in host memory (MiB)',
    maxDurationMinutes: 'Longest session (minutes)',
    idleMinutes: 'Idle timeout (minutes)',
    sessionsPerUser: 'Sessions per researcher',
    rowCap: 'Notebook rows shown',
    preset: 'Disclosure preset',
    threshold: 'Minimum individuals per cell',
    reviewers: 'Reviewers needed',
    maxExportFileMiB: 'Largest output (MiB)',
    maxImportFileMiB: 'Largest file brought in (MiB)',
    submissionsPerMinute: 'Submissions per minute',
    accessTokenMinutes: 'Access token lifetime (minutes)',
    refreshTokenHours: 'Longest sign-in (hours)',
    accountFreeFailures: 'Failed sign-ins of an account from one address before it is slowed down there',
    maxDelaySeconds: 'Longest wait after failed sign-ins (seconds)',
    requestsPerMinute: 'Sign-in requests per minute per address',
    bytesPerMinute: 'Shown per minute (bytes)',
    burstBytes: 'Shown at once (bytes)',
    bytesPerSession: 'Shown per session (bytes)'
  },
  live: 'Changes live in running sessions',
  history: {
    heading: 'History',
    version: (v: number) => `Version ${v}`,
    by: (name: string, time: string) => `${name}, ${time}`,
    first: 'First version',
    showDiff: 'Show the changes',
    noComment: '(no comment)'
  },
  assignments: {
    heading: 'Which project works under which policy',
    project: 'Project',
    policy: 'Policy',
    assign: 'Assign',
    assignTo: (title: string) => `Policy for ${title}`,
    assigned: (title: string, policy: string) => `${title} now works under ${policy}.`,
    reason:
      'Reason (required for a policy with fewer reviewers or more exceptions, which a second administrator approves)'
  },
  loading: 'Loading…'
}

export type PolicyStrings = typeof en

export const policyStrings: Localized<PolicyStrings> = {
  en,
  ja: {
    tab: 'ポリシー',
    list: {
      heading: 'ポリシー',
      intro:
        '研究課題は、別のポリシーが割り当てられない限り default ポリシーで動きます。保存した版は新しいセッションにすぐ適用され、実行中に変更できる上限は実行中のセッションにも反映されます。',
      name: 'ポリシー',
      version: '版',
      author: '保存者',
      time: '保存日時',
      projects: '研究課題',
      edit: (name: string) => `${name} を編集`
    },
    editor: {
      heading: (name: string, version: number) => `${name}（第${version}版）`,
      form: 'フォーム',
      yaml: 'YAML',
      modeLabel: '編集方法',
      sandbox: 'サンドボックス',
      airlock: 'エアロック（出力チェック）',
      display: '画面（表示量の上限）',
      auth: 'サインイン',
      authNote: 'サインインの設定はプラットフォーム共通で、default ポリシーの値だけが使われます。',
      comment:
        '変更内容と理由（履歴に残ります。審査者数を減らす変更や例外を認める変更は、もう一人の管理者の承認が必要なため必須です）',
      save: '新しい版として保存',
      saving: '保存中…',
      reset: '変更を破棄',
      invalid: (n: number) => `保存されませんでした：${n}件の値を直してください。`,
      otherProblems: 'ポリシーのその他の問題：',
      line: (n: number) => `${n}行目`,
      stale: (version: number) =>
        `編集中に他の人が第${version}版を保存したため、保存されませんでした。変更内容は残っています。最新の版を読み込み、もう一度変更して保存してください。`,
      reload: '最新の版を読み込む',
      saved: (version: number) => `第${version}版として保存しました。`,
      unchanged: '変更がないため保存しませんでした。',
      held: 'まだ保存されていません。安全策（エアロック、画面表示量、監視、サンドボックス、サインイン）を緩める変更のため、もう一人の管理者の承認を待っています（「承認」タブ）。',
      yamlLabel: 'YAML 形式のポリシー',
      yamlHint: '保存時にサーバーが検査し、問題は行番号とともに表示されます。'
    },
    fields: {
      image: 'サンドボックスのイメージ',
      runtime: 'ランタイム',
      cpus: 'CPU 数',
      memoryMiB: 'メモリ（MiB）',
      pids: 'プロセス数',
      workAreaMiB: 'ワークスペース（MiB）',
      tmpMiB: '/tmp（MiB）',
      dataMiB: 'ホストメモリ上のデータセット（MiB）',
      maxDurationMinutes: 'セッションの最長時間（分）',
      idleMinutes: '無操作で終了するまで（分）',
      sessionsPerUser: '研究者ごとのセッション数',
      rowCap: 'ノートブックに表示する行数',
      preset: '開示チェックのプリセット',
      threshold: 'セルあたりの最小人数',
      reviewers: '必要な審査者数',
      maxExportFileMiB: '出力ファイルの上限（MiB）',
      maxImportFileMiB: '持ち込みファイルの上限（MiB）',
      submissionsPerMinute: '1分あたりの申請数',
      accessTokenMinutes: 'アクセストークンの有効期間（分）',
      refreshTokenHours: 'サインインの最長時間（時間）',
      accountFreeFailures: '同じアドレスからのアカウントのサインイン失敗が何回で待ち時間が始まるか',
      maxDelaySeconds: 'サインイン失敗後の最長待ち時間（秒）',
      requestsPerMinute: 'アドレスごとの1分あたりのサインイン要求数',
      bytesPerMinute: '1分あたりの表示量（バイト）',
      burstBytes: '一度に表示できる量（バイト）',
      bytesPerSession: 'セッションあたりの表示量（バイト）'
    },
    live: '実行中のセッションにも反映',
    history: {
      heading: '履歴',
      version: (v: number) => `第${v}版`,
      by: (name: string, time: string) => `${name}、${time}`,
      first: '最初の版',
      showDiff: '変更点を表示',
      noComment: '（コメントなし）'
    },
    assignments: {
      heading: '研究課題ごとのポリシー',
      project: '研究課題',
      policy: 'ポリシー',
      assign: '割り当て',
      assignTo: (title: string) => `${title} のポリシー`,
      assigned: (title: string, policy: string) => `${title} は ${policy} で動くようになりました。`,
      reason:
        '理由（審査者数が少ない、または例外を認めるポリシーへの変更は、もう一人の管理者の承認が必要なため必須です）'
    },
    loading: '読み込み中…'
  }
}
