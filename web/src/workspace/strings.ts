import type { Localized } from '../i18n/language'

const en = {
  documentTitle: 'Workspace',
  backToOverview: 'Back to overview',
  endSession: 'End session',
  ending: 'Ending…',
  starting: 'Starting your analysis environment',
  steps: {
    sandbox: 'Creating the isolated sandbox',
    data: 'Loading the pseudonymized data',
    workspace: 'Restoring your workspace'
  },
  dataProgress: (done: string, total: string) => `${done} of ${total}`,
  failed: 'The session could not be started',
  ended: 'The session has ended',
  reason: 'Reason',
  terminal: 'Terminal',
  terminalLabel: 'Terminal of the analysis sandbox',
  reconnecting: 'Connection lost; reconnecting to the same shell…',
  terminalClosed: (why: string) => `The terminal was closed: ${why}`,
  reconnect: 'Reconnect',
  copyBlocked: 'Copying out of the workspace is not allowed. Results leave only through the airlock.',
  timeLeft: (minutes: number) => `${minutes} min left`,
  timeWarning: (minutes: number) => `The session ends in ${minutes} minutes. Save your work.`,
  watermark: (user: string, session: string, at: string) => `${user} · ${session} · ${at}`,
  catalog: {
    heading: 'Data catalog',
    search: 'Search tables and columns',
    nothing: 'No table or column matches.',
    rows: (n: string) => `${n} rows`
  }
}

export const workspaceStrings: Localized<typeof en> = {
  en,
  ja: {
    documentTitle: 'ワークスペース',
    backToOverview: '概要に戻る',
    endSession: 'セッションを終了',
    ending: '終了しています…',
    starting: '解析環境を準備しています',
    steps: {
      sandbox: '隔離されたサンドボックスを作成',
      data: '仮名加工データを読み込み',
      workspace: 'ワークスペースを復元'
    },
    dataProgress: (done: string, total: string) => `${total} 中 ${done}`,
    failed: 'セッションを開始できませんでした',
    ended: 'セッションは終了しました',
    reason: '理由',
    terminal: 'ターミナル',
    terminalLabel: '解析サンドボックスのターミナル',
    reconnecting: '接続が切れました。同じシェルに再接続しています…',
    terminalClosed: (why: string) => `ターミナルが閉じられました: ${why}`,
    reconnect: '再接続',
    copyBlocked: 'ワークスペースからのコピーはできません。結果の持ち出しはエアロック経由のみです。',
    timeLeft: (minutes: number) => `残り ${minutes} 分`,
    timeWarning: (minutes: number) => `あと ${minutes} 分でセッションが終了します。作業を保存してください。`,
    watermark: (user: string, session: string, at: string) => `${user} · ${session} · ${at}`,
    catalog: {
      heading: 'データカタログ',
      search: 'テーブルと列を検索',
      nothing: '一致するテーブルや列はありません。',
      rows: (n: string) => `${n} 行`
    }
  }
}
