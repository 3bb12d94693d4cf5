import type { Localized } from '../../i18n/language'

const en = {
  tab: 'Live sessions',
  heading: 'Running sessions',
  refreshed: (at: string) => `Updated ${at}; refreshes every 5 seconds.`,
  none: 'No session is running.',
  columns: {
    user: 'Researcher',
    project: 'Project',
    state: 'State',
    runtime: 'Runtime',
    started: 'Started',
    cpu: 'CPU',
    memory: 'Memory',
    processes: 'Processes',
    output: 'Terminal output (last minute)',
    screen: 'Shown on screen (last minute)',
    actions: ''
  },
  screen: {
    paced: 'paced: display budget spent',
    encoded: (size: string) => `${size} encoded-looking`,
    matches: (n: number) => `${n} dataset pieces`
  },
  end: 'End session',
  endReason: 'Why (recorded in the audit log and shown to the researcher)',
  endConfirm: 'End it now',
  cancel: 'Cancel',
  ending: 'Ending…',
  alerts: 'Alerts',
  noAlerts: 'No alert has been raised.',
  alertColumns: { time: 'Time', rule: 'Rule', what: 'What happened', action: 'Done' },
  rules: {
    terminalOutputMiBPerMinute: 'Terminal output',
    refusedActionsPerMinute: 'Refused requests',
    encodedOutputKiBPerMinute: 'Encoded output on screen',
    datasetMatches: 'Dataset shown on screen',
    displayCeilingMinutes: 'Display budget spent',
    allowedHours: 'Hours of use'
  } as Record<string, string>,
  actions: { alert: 'alert raised', end: 'session ended' } as Record<string, string>
}

export const monitoringStrings: Localized<typeof en> = {
  en,
  ja: {
    tab: '稼働中のセッション',
    heading: '稼働中のセッション',
    refreshed: (at) => `${at} 更新(5 秒ごとに更新)`,
    none: '稼働中のセッションはありません。',
    columns: {
      user: '研究者',
      project: '研究課題',
      state: '状態',
      runtime: 'ランタイム',
      started: '開始',
      cpu: 'CPU',
      memory: 'メモリ',
      processes: 'プロセス',
      output: '端末出力(直近 1 分)',
      screen: '画面表示量(直近 1 分)',
      actions: ''
    },
    screen: {
      paced: '表示量の上限に到達',
      encoded: (size) => `エンコードらしき出力 ${size}`,
      matches: (n) => `データセットの断片 ${n} 件`
    },
    end: 'セッションを終了',
    endReason: '理由(監査ログに記録され、研究者にも表示されます)',
    endConfirm: '今すぐ終了',
    cancel: 'キャンセル',
    ending: '終了中…',
    alerts: 'アラート',
    noAlerts: 'アラートはありません。',
    alertColumns: { time: '日時', rule: 'ルール', what: '内容', action: '対応' },
    rules: {
      terminalOutputMiBPerMinute: '端末出力量',
      refusedActionsPerMinute: '拒否された操作',
      encodedOutputKiBPerMinute: '画面へのエンコード出力',
      datasetMatches: '画面へのデータセット表示',
      displayCeilingMinutes: '表示量の上限に到達',
      allowedHours: '利用時間帯'
    },
    actions: { alert: 'アラートのみ', end: 'セッション終了' }
  }
}
