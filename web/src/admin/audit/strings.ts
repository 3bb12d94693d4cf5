import type { Localized } from '../../i18n/language'

const en = {
  tab: 'Audit log',
  chain: {
    heading: 'Integrity of the log',
    check: 'Check the chain',
    checking: 'Checking…',
    intact: (records: number, at: string) =>
      `Intact: ${records} records, each linked to the one before and held by signed checkpoints (checked ${at}).`,
    broken: (seq: number | null, reason: string) => `BROKEN${seq === null ? '' : ` at record ${seq}`}: ${reason}`
  },
  search: {
    heading: 'Search',
    user: 'User',
    userHint: 'username, or system',
    action: 'Action',
    actionHint: 'e.g. export or export.submit',
    outcome: 'Outcome',
    anyOutcome: 'any',
    project: 'Project id',
    session: 'Session id',
    from: 'From',
    to: 'Until',
    submit: 'Search',
    older: 'Older records',
    none: 'No record matches.',
    columns: {
      seq: '#',
      time: 'Time',
      user: 'User',
      action: 'Action',
      outcome: 'Outcome',
      target: 'On',
      details: 'Details'
    },
    play: 'Play recording'
  },
  export: {
    heading: 'Export for an auditor',
    intro:
      'A time range as JSON lines. The last line seals the others with the audit signing key; an auditor checks it with audit-signing.pub alone. The export is itself recorded.',
    from: 'From (day)',
    to: 'Until (day, inclusive)',
    submit: 'Download signed export',
    working: 'Preparing…'
  },
  recording: {
    heading: 'Terminal recordings',
    session: 'Session id',
    load: 'Show recordings',
    none: 'This session has no terminal recording.',
    part: (n: number, bytes: string) => `Part ${n} (${bytes})`,
    play: 'Play',
    pause: 'Pause',
    restart: 'From the start',
    speed: 'Speed',
    position: (at: string, total: string) => `${at} / ${total}`,
    typed: 'Typed'
  },
  dataOperations: {
    heading: 'Data-operation logs',
    intro:
      "Every notebook cell a researcher ran or exported, in full, as the session's log holds it. The audit records keep the digest and the first 512 characters of each; the digest here must match the record's. Reading a log is itself recorded.",
    session: 'Session id',
    load: 'Show the log',
    none: 'This session ran no cells.',
    excerpt: 'Excerpt of the source',
    fullLog: 'Full source in the data-operation log',
    columns: { time: 'Time', action: 'Action', language: 'Language', source: 'Source and SHA-256' }
  },
  outcomes: { success: 'success', failure: 'failure', denied: 'denied', error: 'error' }
}

export const auditStrings: Localized<typeof en> = {
  en,
  ja: {
    tab: '監査ログ',
    chain: {
      heading: 'ログの完全性',
      check: 'チェーンを検証',
      checking: '検証中…',
      intact: (records, at) =>
        `正常: ${records} 件の記録がすべて前の記録に連結され、署名付きチェックポイントと一致しています(${at} に検証)。`,
      broken: (seq, reason) => `破損${seq === null ? '' : `(記録 ${seq})`}: ${reason}`
    },
    search: {
      heading: '検索',
      user: '利用者',
      userHint: 'ユーザー名、または system',
      action: '操作',
      actionHint: '例: export または export.submit',
      outcome: '結果',
      anyOutcome: 'すべて',
      project: '研究課題 ID',
      session: 'セッション ID',
      from: '開始',
      to: '終了',
      submit: '検索',
      older: 'さらに古い記録',
      none: '該当する記録はありません。',
      columns: {
        seq: '#',
        time: '日時',
        user: '利用者',
        action: '操作',
        outcome: '結果',
        target: '対象',
        details: '詳細'
      },
      play: '記録を再生'
    },
    export: {
      heading: '監査人向けエクスポート',
      intro:
        '期間内の記録を JSON Lines で出力します。最終行が監査署名鍵で全行を封印し、監査人は audit-signing.pub だけで検証できます。エクスポート自体も記録されます。',
      from: '開始日',
      to: '終了日(当日を含む)',
      submit: '署名付きエクスポートをダウンロード',
      working: '準備中…'
    },
    recording: {
      heading: '端末の記録',
      session: 'セッション ID',
      load: '記録を表示',
      none: 'このセッションには端末の記録がありません。',
      part: (n, bytes) => `パート ${n}(${bytes})`,
      play: '再生',
      pause: '一時停止',
      restart: '最初から',
      speed: '速度',
      position: (at, total) => `${at} / ${total}`,
      typed: '入力'
    },
    dataOperations: {
      heading: 'データ操作ログ',
      intro:
        '研究者が実行またはエクスポートしたノートブックのセルを、セッションのログにあるとおり全文で表示します。監査記録には各ソースのハッシュ値と先頭 512 文字だけが残り、ここでのハッシュ値は記録のものと一致しなければなりません。ログの閲覧自体も記録されます。',
      session: 'セッション ID',
      load: 'ログを表示',
      none: 'このセッションではセルが実行されていません。',
      excerpt: 'ソースの抜粋',
      fullLog: 'データ操作ログで全文を見る',
      columns: { time: '日時', action: '操作', language: '言語', source: 'ソースと SHA-256' }
    },
    outcomes: { success: '成功', failure: '失敗', denied: '拒否', error: 'エラー' }
  }
}
