import type { Localized } from '../i18n/language'

const en = {
  menu: 'Change sign-in',
  mustHeading: 'Set your own password and authenticator',
  mustIntro:
    'Your password and authenticator were set up by an administrator, who may know them. Until you set your own, you can sign in but not review or administer.',
  heading: 'Your sign-in',
  intro: 'Change your password and move to a new authenticator secret. Your other sign-ins end.',
  start: 'Change password and authenticator',
  startMust: 'Set my own now',
  loading: 'Preparing a new authenticator secret…',
  stepAuthenticator: '1. Add the new secret to your authenticator app',
  authenticatorHint:
    'Add an account with this secret key (time-based, 6 digits) in your authenticator app, or open the link on the device that has it. It is shown only now and works for 15 minutes; keep the old entry until you are done.',
  secret: 'Secret key',
  openInApp: 'Open in the authenticator app',
  stepCurrent: '2. Prove it is you',
  password: 'Current password',
  code: 'A code from your current authenticator (not the one you just signed in with)',
  stepNew: '3. Choose your new password and confirm the new secret',
  newPassword: 'New password',
  newPasswordHint: 'At least 12 characters, not containing your username, and not your current password.',
  confirm: 'The new password again',
  newCode: 'The 6-digit code the new entry in your app shows now',
  submit: 'Change',
  submitting: 'Changing…',
  cancel: 'Cancel',
  mismatch: 'The two new passwords differ. Type the same password in both fields.',
  tooShort: 'Choose a new password of at least 12 characters.',
  badCode: 'Enter 6-digit codes from your authenticator app.',
  done: 'Done: the password and authenticator are yours alone now. Your other sign-ins have ended; use the new ones from now on, and remove the old entry from your app.'
}

export const accountStrings: Localized<typeof en> = {
  en,
  ja: {
    menu: 'サインイン情報の変更',
    mustHeading: 'ご自身のパスワードと認証アプリを設定してください',
    mustIntro:
      'このアカウントのパスワードと認証アプリは管理者が設定したもので、管理者が知っている可能性があります。ご自身で設定し直すまで、サインインはできますが、審査や管理の操作はできません。',
    heading: 'サインイン情報',
    intro: 'パスワードを変更し、認証アプリに新しいシークレットを登録します。他のサインインは終了します。',
    start: 'パスワードと認証アプリを変更',
    startMust: '今すぐ設定する',
    loading: '新しい認証用シークレットを用意しています…',
    stepAuthenticator: '1. 新しいシークレットを認証アプリに追加する',
    authenticatorHint:
      '認証アプリで、このシークレットキー（時間ベース、6桁）のアカウントを追加するか、アプリのある端末でリンクを開いてください。表示はこの一度だけで、15分間有効です。完了するまで古い登録は残しておいてください。',
    secret: 'シークレットキー',
    openInApp: '認証アプリで開く',
    stepCurrent: '2. ご本人であることの確認',
    password: '現在のパスワード',
    code: '現在の認証アプリのコード（サインインに使ったものとは別の、新しいコード）',
    stepNew: '3. 新しいパスワードを決め、新しいシークレットを確認する',
    newPassword: '新しいパスワード',
    newPasswordHint: '12文字以上で、ユーザー名を含まず、現在のパスワードとは異なるもの。',
    confirm: '確認のため新しいパスワードをもう一度',
    newCode: 'アプリの新しい登録に今表示されている6桁のコード',
    submit: '変更',
    submitting: '変更しています…',
    cancel: 'キャンセル',
    mismatch: '2つの新しいパスワードが一致しません。両方に同じパスワードを入力してください。',
    tooShort: '12文字以上の新しいパスワードにしてください。',
    badCode: '認証アプリの6桁のコードを入力してください。',
    done: '完了しました。パスワードと認証アプリはご本人だけのものになりました。他のサインインは終了しています。今後は新しいものを使い、アプリから古い登録を削除してください。'
  }
}
