import type { Localized } from '../i18n/language'

const en = {
  documentTitle: 'Sign in',
  heading: 'Sign in',
  intro: 'For certified researchers, output reviewers and administrators. All access is logged.',
  username: 'Username',
  password: 'Password',
  totp: 'Verification code',
  totpHint: 'The 6-digit code from your authenticator app.',
  submit: 'Sign in',
  submitting: 'Signing in…',
  missingUsername: 'Enter your username.',
  missingPassword: 'Enter your password.',
  badTotp: 'Enter the 6-digit code from your authenticator app.',
  serverUnreachable: 'The service cannot be reached right now. Check your connection and try again.',
  unexpected: (status: number) =>
    `Sign-in failed because the server answered unexpectedly (HTTP ${status}). Try again.`,
  delayed: (seconds: number) =>
    `Too many failed sign-ins: try again in ${seconds} second${seconds === 1 ? '' : 's'}. This attempt was not checked; the right password and code will work then.`,
  footer: 'Pseudonymized data stays inside this environment. Nothing leaves without review.'
}

export const loginStrings: Localized<typeof en> = {
  en,
  ja: {
    documentTitle: 'サインイン',
    heading: 'サインイン',
    intro: '認定を受けた研究者、出力審査者、管理者向けのサービスです。すべてのアクセスは記録されます。',
    username: 'ユーザー名',
    password: 'パスワード',
    totp: '確認コード',
    totpHint: '認証アプリに表示される6桁のコードです。',
    submit: 'サインイン',
    submitting: 'サインインしています…',
    missingUsername: 'ユーザー名を入力してください。',
    missingPassword: 'パスワードを入力してください。',
    badTotp: '認証アプリに表示される6桁のコードを入力してください。',
    serverUnreachable: '現在サービスに接続できません。接続を確認してから再度お試しください。',
    unexpected: (status: number) =>
      `サーバーから予期しない応答があったため、サインインできませんでした（HTTP ${status}）。再度お試しください。`,
    delayed: (seconds: number) =>
      `サインインの失敗が続いたため、${seconds}秒後にもう一度お試しください。今回の入力は確認していません。その後は正しいパスワードとコードでサインインできます。`,
    footer: '仮名加工されたデータはこの環境の外に出ません。持ち出しには必ず審査が必要です。'
  }
}
