import type { Localized } from '../i18n/language'

const en = {
  productName: 'Visiting Research Environment',
  restoring: 'Checking your session…',
  loadingScreen: 'Loading…',
  notFound: {
    documentTitle: 'Page not found',
    heading: 'Page not found',
    body: 'There is nothing at this address. It may have been mistyped, or the link may be out of date.',
    toOverview: 'Go to the overview'
  },
  notices: {
    'signed-out': 'You have signed out.',
    'session-ended': 'Your session has ended. Sign in again to continue.',
    'logout-unconfirmed': 'The server could not confirm that your session ended. Close this browser window to be sure.',
    'server-unreachable': 'The service cannot be reached right now. Check your connection and try again.',
    enrolled: 'Your password and authenticator are set. Sign in with them.'
  }
}

export const appStrings: Localized<typeof en> = {
  en,
  ja: {
    productName: 'Visiting Research Environment',
    restoring: 'セッションを確認しています…',
    loadingScreen: '読み込んでいます…',
    notFound: {
      documentTitle: 'ページが見つかりません',
      heading: 'ページが見つかりません',
      body: 'このアドレスには何もありません。入力を誤ったか、リンクが古くなっている可能性があります。',
      toOverview: '概要へ移動'
    },
    notices: {
      'signed-out': 'サインアウトしました。',
      'session-ended': 'セッションが終了しました。続けるには再度サインインしてください。',
      'logout-unconfirmed':
        'セッションの終了をサーバーで確認できませんでした。念のためこのブラウザのウィンドウを閉じてください。',
      'server-unreachable': '現在サービスに接続できません。接続を確認してから再度お試しください。',
      enrolled: 'パスワードと認証アプリの設定が完了しました。それらでサインインしてください。'
    }
  }
}

export type SignedOutNotice = keyof typeof en.notices
