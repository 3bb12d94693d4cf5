import type { Localized } from '../../i18n/language'

const en = {
  tab: 'Live sessions',
  capacity: {
    heading: 'Room on this host',
    memory: 'Memory',
    memoryFree: (free: string, total: string, reserve: string) => `${free} free of ${total} (${reserve} kept for the host)`,
    tasks: 'Tasks',
    tasksRunning: (n: number, max: number, reserve: number) => `${n} of ${max} (${reserve} kept for the host)`,
    more: 'More sessions it takes now',
    moreSandboxes: (n: number, each: string) => `${n} (an idle sandbox needs ${each}; a start beyond this is refused)`,
    live: 'Live sessions',
    datasets: 'Datasets in memory',
    datasetCopies: (n: number, size: string) => `${n} version${n === 1 ? '' : 's'}, ${size}, each shared by its project's sandboxes`
  },
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
    capacity: {
      heading: 'このホストの余力',
      memory: 'メモリ',
      memoryFree: (free: string, total: string, reserve: string) => `${total} 中 ${free} が空き（ホスト用に ${reserve} を確保）`,
      tasks: 'タスク',
      tasksRunning: (n: number, max: number, reserve: number) => `${max} 中 ${n}（ホスト用に ${reserve} を確保）`,
      more: '今から開始できるセッション数',
      moreSandboxes: (n: number, each: string) => `${n}（待機中のサンドボックス1つに ${each} が必要。これを超える開始は拒否されます）`,
      live: '稼働中のセッション',
      datasets: 'メモリ上のデータセット',
      datasetCopies: (n: number, size: string) => `${n} 版、${size}（各版はプロジェクトのサンドボックスで共有）`
    },
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
