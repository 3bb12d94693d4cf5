import type { Localized } from '../i18n/language'

const en = {
  documentTitle: 'Workspace',
  backToOverview: 'Back to overview',
  endSession: 'End session',
  ending: 'Ending…',
  starting: 'Starting your analysis environment',
  steps: {
    sandbox: 'Creating the isolated sandbox',
    data: 'Preparing the pseudonymized data',
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
  // The display budget: what reaches the screen from the sandbox is bounded, because the screen is
  // a way out too. Shown where it bites: above the terminal, under a cut cell, on a cut file.
  display: {
    paced: (perMinute: string) =>
      `Output is paced: this session has shown as much as its display budget allows for now, so the program waits and goes on at ${perMinute} a minute. Nothing is lost, and Ctrl-C still stops it. Large results leave as files through the airlock.`,
    exhausted: (total: string) =>
      `Output has stopped: this session has shown all its display budget allows (${total}), and nothing more from it can reach the screen. Your files are kept: end this session and start a new one to go on. Large results leave as files through the airlock.`,
    skipped: (size: string) => `After Ctrl-C, ${size} of paced output were skipped.`,
    cellCut: (heldBack: string, available: string, perMinute: string) =>
      `Output cut: ${heldBack} were held back by this session's display budget (${available} may be shown now, then ${perMinute} a minute). The cell ran in full and its results stay in the sandbox: write large results to a file and send it through the airlock.`,
    fileCut: (heldBack: string, perMinute: string) =>
      `Only the start of this file is shown, read-only: ${heldBack} were held back by this session's display budget (${perMinute} a minute). The file itself is unchanged.`,
    notebookCut: (size: string, available: string) =>
      `This notebook (${size}) is larger than this session's display budget allows now (${available}), so it was not opened. Try again in a few minutes, or open a smaller notebook; the file is unchanged.`,
    listCut: "Not every file is listed: this session's display budget allows no more names now."
  },
  timeLeft: (minutes: number) => `${minutes} min left`,
  timeWarning: (minutes: number) => `The session ends in ${minutes} minutes. Save your work.`,
  watermark: (user: string, session: string, at: string) => `${user} · ${session} · ${at}`,
  catalog: {
    heading: 'Data catalog',
    search: 'Search tables and columns',
    nothing: 'No table or column matches.',
    rows: (n: string) => `${n} rows`,
    mark: { identifier: 'identifier', 'quasi-identifier': 'quasi-identifier' },
    markWhy: {
      identifier: 'Identifies a person: an output that carries this column is individual-level data and cannot leave the airlock.',
      'quasi-identifier':
        'Singles people out in combination with other marked columns: rows keyed by them must rest on enough people to leave the airlock.'
    }
  },
  tabs: {
    label: 'Workspace tools',
    terminal: 'Terminal',
    notebook: 'Notebook',
    files: 'Files',
    airlock: 'Airlock',
    unsavedMark: 'unsaved changes'
  },
  leave: {
    message: (paths: string) => `You have unsaved changes in ${paths}. They are lost if you continue.`,
    discard: 'Discard changes and continue',
    stay: 'Stay and keep editing'
  },
  files: {
    heading: 'Files',
    intro:
      'Your workspace folder, kept between sessions. Data files are read in a notebook or the terminal; nothing is downloaded.',
    outboxNote:
      'outbox/ is what reviewers check in the airlock: a result leaves only from there, and only once approved. Approved imports arrive in inbox/.',
    refresh: 'Refresh',
    newFolder: 'New folder',
    newNotebook: 'New notebook',
    creatingNotebook: 'Creating…',
    folderPath: 'Path of the new folder',
    pathHint: 'Relative to your workspace, with / between folders, e.g. analysis/cohort',
    create: 'Create',
    cancel: 'Cancel',
    loading: 'Loading files…',
    empty: 'Your workspace is empty.',
    truncated: (n: string) => `Only the first ${n} files and folders are listed.`,
    columns: { name: 'Name', size: 'Size', modified: 'Modified', actions: 'Actions' },
    folder: 'Folder',
    open: 'Open',
    openLabel: (path: string) => `Open ${path}`,
    rename: 'Rename or move',
    renameLabel: (path: string) => `Rename or move ${path}`,
    newPath: (path: string) => `New path for ${path}`,
    move: 'Move',
    toOutbox: 'Move to outbox',
    toOutboxLabel: (path: string) => `Move ${path} to the outbox for review`,
    delete: 'Delete',
    deleteLabel: (path: string) => `Delete ${path}`,
    confirmDeleteFile: (path: string) => `Delete ${path}? This cannot be undone.`,
    confirmDeleteFolder: (path: string) => `Delete the folder ${path} and everything in it? This cannot be undone.`,
    notOpenable: 'Read it in a notebook or the terminal',
    created: (path: string) => `Created ${path}.`,
    moved: (from: string, to: string) => `Moved ${from} to ${to}.`,
    deleted: (path: string) => `Deleted ${path}.`,
    inOutbox: (path: string) => `${path} is in the outbox and waits there for review in the airlock.`
  },
  editor: {
    label: (path: string) => `Editing ${path}`,
    content: 'File content',
    loading: 'Opening the file…',
    save: 'Save',
    saving: 'Saving…',
    saved: 'All changes saved',
    unsaved: 'Unsaved changes',
    close: 'Close',
    shortcut: 'Ctrl+S saves.',
    conflict:
      'This file was changed since you opened it (in the terminal, a notebook or another tab), so it was not saved. Your edits are still here.',
    reload: 'Discard my edits and reload',
    overwrite: 'Save my version over it'
  },
  notebook: {
    label: (path: string) => `Notebook ${path}`,
    emptyHeading: 'No notebook is open',
    empty: 'Open a notebook from Files, or create a new one.',
    loading: 'Opening the notebook…',
    invalid: {
      json: 'This file is not valid JSON, so it cannot be opened as a notebook.',
      version: 'Only Jupyter notebooks in format 4 can be opened.',
      shape: 'This file does not have the structure of a Jupyter notebook.'
    },
    save: 'Save',
    saving: 'Saving…',
    saved: 'All changes saved',
    unsaved: 'Unsaved changes',
    close: 'Close',
    runAll: 'Run all',
    interrupt: 'Interrupt',
    restart: 'Restart kernel',
    confirmRestart:
      'Restart the kernel? Temporary tables and variables are lost; the cells and their outputs stay in the notebook.',
    restartConfirm: 'Restart',
    cancel: 'Cancel',
    restarted: 'The kernel was restarted. Temporary tables and variables are gone.',
    interrupted: 'The kernel was interrupted.',
    kernelBusy: (n: string) => `Running cell ${n}`,
    kernelIdle: 'Kernel idle',
    addSql: 'Add SQL cell',
    addPython: 'Add Python cell',
    addText: 'Add text cell',
    addHint: 'New cells go below the selected cell.',
    shortcuts: 'Shift+Enter runs a cell and moves to the next · Ctrl+Enter runs it in place · Ctrl+S saves',
    noCells: 'This notebook has no cells yet. Add a SQL or Python cell to begin.',
    kinds: { sql: 'SQL', python: 'Python', markdown: 'Text', raw: 'Raw text' },
    cellKind: 'Cell type',
    cellLabel: (n: string, kind: string) => `Cell ${n}, ${kind}`,
    source: (n: string) => `Source of cell ${n}`,
    run: 'Run',
    runLabel: (n: string) => `Run cell ${n}`,
    moveUp: 'Move cell up',
    moveDown: 'Move cell down',
    deleteCell: 'Delete cell',
    confirmDelete: 'Delete this cell?',
    deleteConfirm: 'Delete',
    queued: 'Queued',
    running: 'Running…',
    notRun: 'Not run yet',
    duration: (ms: number) =>
      ms < 1000
        ? `${Math.round(ms)} ms`
        : ms < 60_000
          ? `${(ms / 1000).toFixed(1)} s`
          : `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`,
    output: {
      label: (n: string) => `Output of cell ${n}`,
      rows: (n: string) => `${n} rows`,
      notShown: (shown: string, total: string, hidden: string) =>
        `Showing ${shown} of ${total} rows; ${hidden} rows not shown`,
      image: (n: string) => `Figure produced by cell ${n}`
    },
    export: {
      action: 'Send to outbox as CSV',
      explain:
        'All rows are written, not only the ones shown here. Reviewers check them in the airlock before anything leaves.',
      explainPython: "The cell's last line must give a pandas DataFrame or Series.",
      name: 'Name in outbox/',
      hint: 'Letters, digits, ".", "_" and "-", starting with a letter or digit; at most 100 characters, without extension.',
      invalidName:
        'This name cannot be used: use letters, digits, ".", "_" and "-", start with a letter or digit, at most 100 characters.',
      withExtension: 'Leave out the extension: .csv is added for you.',
      send: 'Send to outbox',
      sending: 'Writing…',
      cancel: 'Cancel',
      done: (csv: string, query: string, rows: string) =>
        `${csv} (${rows} rows) and ${query} are waiting for review in the airlock.`
    }
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
      data: '仮名加工データを準備',
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
    display: {
      paced: (perMinute: string) =>
        `出力のペースを抑えています: このセッションは表示量の上限まで表示したため、プログラムは待機し、毎分 ${perMinute} ずつ続きを表示します。出力は失われず、Ctrl-C で止めることもできます。大きな結果はファイルにしてエアロックから持ち出してください。`,
      exhausted: (total: string) =>
        `出力を停止しました: このセッションで表示できる量(${total})をすべて使ったため、これ以上は画面に表示されません。ファイルは保存されます。続けるにはこのセッションを終了し、新しいセッションを開始してください。大きな結果はファイルにしてエアロックから持ち出してください。`,
      skipped: (size: string) => `Ctrl-C により、ペースを抑えていた出力 ${size} を省略しました。`,
      cellCut: (heldBack: string, available: string, perMinute: string) =>
        `出力を一部省略しました: このセッションの表示量の上限により ${heldBack} を表示していません(今表示できるのは ${available}、その後は毎分 ${perMinute})。セルは最後まで実行され、結果はサンドボックス内に残っています。大きな結果はファイルに書き出し、エアロックから持ち出してください。`,
      fileCut: (heldBack: string, perMinute: string) =>
        `このファイルは先頭部分のみを読み取り専用で表示しています: このセッションの表示量の上限(毎分 ${perMinute})により ${heldBack} を表示していません。ファイル自体は変更されていません。`,
      notebookCut: (size: string, available: string) =>
        `このノートブック(${size})は、このセッションで今表示できる量(${available})を超えるため開きませんでした。数分後にもう一度試すか、小さいノートブックを開いてください。ファイルは変更されていません。`,
      listCut: 'このセッションの表示量の上限により、すべてのファイル名は表示されていません。'
    },
    timeLeft: (minutes: number) => `残り ${minutes} 分`,
    timeWarning: (minutes: number) => `あと ${minutes} 分でセッションが終了します。作業を保存してください。`,
    watermark: (user: string, session: string, at: string) => `${user} · ${session} · ${at}`,
    catalog: {
      heading: 'データカタログ',
      search: 'テーブルと列を検索',
      nothing: '一致するテーブルや列はありません。',
      rows: (n: string) => `${n} 行`,
      mark: { identifier: '識別子', 'quasi-identifier': '準識別子' },
      markWhy: {
        identifier: '個人を識別する列です。この列を含む出力は個票データとなり、エアロックを通りません。',
        'quasi-identifier':
          '他の印のある列と組み合わせると個人を特定しうる列です。これらで区切った行は、十分な人数にもとづく必要があります。'
      }
    },
    tabs: {
      label: 'ワークスペースのツール',
      terminal: 'ターミナル',
      notebook: 'ノートブック',
      files: 'ファイル',
      airlock: 'エアロック',
      unsavedMark: '未保存の変更あり'
    },
    leave: {
      message: (paths: string) => `${paths} に保存されていない変更があります。このまま続けると変更は失われます。`,
      discard: '変更を破棄して続ける',
      stay: '編集に戻る'
    },
    files: {
      heading: 'ファイル',
      intro:
        'セッションをまたいで保持される作業フォルダです。データファイルはノートブックかターミナルで読み込みます。ダウンロードはできません。',
      outboxNote:
        'outbox/ はエアロックで審査担当者が確認するフォルダです。結果は承認された場合に限り、ここからのみ持ち出されます。承認された持ち込みファイルは inbox/ に届きます。',
      refresh: '再読み込み',
      newFolder: '新しいフォルダ',
      newNotebook: '新しいノートブック',
      creatingNotebook: '作成しています…',
      folderPath: '新しいフォルダのパス',
      pathHint: 'ワークスペースからの相対パスで、フォルダの区切りは / です(例: analysis/cohort)',
      create: '作成',
      cancel: 'キャンセル',
      loading: 'ファイルを読み込んでいます…',
      empty: 'ワークスペースは空です。',
      truncated: (n: string) => `最初の ${n} 件のファイルとフォルダのみを表示しています。`,
      columns: { name: '名前', size: 'サイズ', modified: '更新日時', actions: '操作' },
      folder: 'フォルダ',
      open: '開く',
      openLabel: (path: string) => `${path} を開く`,
      rename: '名前変更・移動',
      renameLabel: (path: string) => `${path} の名前を変更または移動`,
      newPath: (path: string) => `${path} の新しいパス`,
      move: '移動',
      toOutbox: 'outbox へ移動',
      toOutboxLabel: (path: string) => `${path} を審査のため outbox へ移動`,
      delete: '削除',
      deleteLabel: (path: string) => `${path} を削除`,
      confirmDeleteFile: (path: string) => `${path} を削除しますか?この操作は元に戻せません。`,
      confirmDeleteFolder: (path: string) => `フォルダ ${path} を中身ごと削除しますか?この操作は元に戻せません。`,
      notOpenable: 'ノートブックかターミナルで読み込んでください',
      created: (path: string) => `${path} を作成しました。`,
      moved: (from: string, to: string) => `${from} を ${to} に移動しました。`,
      deleted: (path: string) => `${path} を削除しました。`,
      inOutbox: (path: string) => `${path} を outbox に移動しました。エアロックでの審査を待っています。`
    },
    editor: {
      label: (path: string) => `${path} を編集中`,
      content: 'ファイルの内容',
      loading: 'ファイルを開いています…',
      save: '保存',
      saving: '保存しています…',
      saved: 'すべての変更を保存済み',
      unsaved: '未保存の変更があります',
      close: '閉じる',
      shortcut: 'Ctrl+S で保存できます。',
      conflict:
        'このファイルは開いた後に(ターミナル、ノートブック、または別のタブで)変更されたため、保存しませんでした。編集内容はそのまま残っています。',
      reload: '編集内容を破棄して読み込み直す',
      overwrite: '自分の内容で上書き保存する'
    },
    notebook: {
      label: (path: string) => `ノートブック ${path}`,
      emptyHeading: 'ノートブックが開かれていません',
      empty: '「ファイル」からノートブックを開くか、新しく作成してください。',
      loading: 'ノートブックを開いています…',
      invalid: {
        json: 'このファイルは正しい JSON ではないため、ノートブックとして開けません。',
        version: '開けるのは形式バージョン 4 の Jupyter ノートブックのみです。',
        shape: 'このファイルは Jupyter ノートブックの構造になっていません。'
      },
      save: '保存',
      saving: '保存しています…',
      saved: 'すべての変更を保存済み',
      unsaved: '未保存の変更があります',
      close: '閉じる',
      runAll: 'すべて実行',
      interrupt: '中断',
      restart: 'カーネルを再起動',
      confirmRestart:
        'カーネルを再起動しますか?一時テーブルと変数は失われます。セルとその出力はノートブックに残ります。',
      restartConfirm: '再起動',
      cancel: 'キャンセル',
      restarted: 'カーネルを再起動しました。一時テーブルと変数は消去されています。',
      interrupted: 'カーネルの実行を中断しました。',
      kernelBusy: (n: string) => `セル ${n} を実行中`,
      kernelIdle: 'カーネル待機中',
      addSql: 'SQL セルを追加',
      addPython: 'Python セルを追加',
      addText: 'テキストセルを追加',
      addHint: '新しいセルは選択中のセルの下に追加されます。',
      shortcuts: 'Shift+Enter で実行して次のセルへ · Ctrl+Enter でその場で実行 · Ctrl+S で保存',
      noCells: 'このノートブックにはまだセルがありません。SQL または Python のセルを追加して始めてください。',
      kinds: { sql: 'SQL', python: 'Python', markdown: 'テキスト', raw: 'プレーンテキスト' },
      cellKind: 'セルの種類',
      cellLabel: (n: string, kind: string) => `セル ${n}(${kind})`,
      source: (n: string) => `セル ${n} のソース`,
      run: '実行',
      runLabel: (n: string) => `セル ${n} を実行`,
      moveUp: 'セルを上へ移動',
      moveDown: 'セルを下へ移動',
      deleteCell: 'セルを削除',
      confirmDelete: 'このセルを削除しますか?',
      deleteConfirm: '削除',
      queued: '実行待ち',
      running: '実行中…',
      notRun: '未実行',
      duration: (ms: number) =>
        ms < 1000
          ? `${Math.round(ms)} ミリ秒`
          : ms < 60_000
            ? `${(ms / 1000).toFixed(1)} 秒`
            : `${Math.floor(ms / 60_000)} 分 ${Math.round((ms % 60_000) / 1000)} 秒`,
      output: {
        label: (n: string) => `セル ${n} の出力`,
        rows: (n: string) => `${n} 行`,
        notShown: (shown: string, total: string, hidden: string) =>
          `全 ${total} 行のうち ${shown} 行を表示しています(${hidden} 行は表示されていません)`,
        image: (n: string) => `セル ${n} が出力した図`
      },
      export: {
        action: 'CSV として outbox へ送る',
        explain:
          '表示されている行だけでなく、すべての行が書き出されます。持ち出される前に、エアロックで審査担当者が内容を確認します。',
        explainPython: 'セルの最後の行は pandas の DataFrame または Series を返す必要があります。',
        name: 'outbox/ 内での名前',
        hint: '英数字と「.」「_」「-」が使えます。先頭は英数字、100 文字以内で、拡張子は付けません。',
        invalidName: 'この名前は使えません。英数字と「.」「_」「-」を使い、先頭は英数字、100 文字以内にしてください。',
        withExtension: '拡張子は付けないでください。.csv は自動で付きます。',
        send: 'outbox へ送る',
        sending: '書き出しています…',
        cancel: 'キャンセル',
        done: (csv: string, query: string, rows: string) =>
          `${csv}(${rows} 行)と ${query} がエアロックでの審査を待っています。`
      }
    }
  }
}
