import type { Localized } from '../i18n/language'

const en = {
  documentTitle: 'Set up your sign-in',
  heading: 'Set up your sign-in',
  intro: (name: string, username: string) =>
    `For ${name} (username ${username}). You choose your password and add the environment to your authenticator app here; nobody else sees either.`,
  opening: 'Opening your enrolment link…',
  partsIntro:
    'Enter the enrolment link you were given. A reviewer’s or administrator’s link comes in two parts, each from another administrator: enter one part in each field. A whole link goes in the first field.',
  part1: 'Part 1, or the whole link',
  part2: 'Part 2',
  partsSubmit: 'Open',
  partsInvalid:
    'That is not an enrolment link, or not all of it. Copy each part whole, as you received it, or ask an administrator for a new link.',
  expires: (time: string) => `This link works once, until ${time}.`,
  stepAuthenticator: '1. Add the environment to your authenticator app',
  authenticatorHint:
    'In your authenticator app, add an account with this secret key (time-based, 6 digits), or open the link on the device that has the app. It is shown only now: if you leave this page, open your link again for a new one.',
  secret: 'Secret key',
  openInApp: 'Open in the authenticator app',
  stepPassword: '2. Choose your password',
  password: 'Password',
  passwordHint: 'At least 12 characters, not containing your username. A long passphrase is easiest to remember.',
  confirm: 'The same password again',
  stepCode: '3. Confirm with a code',
  code: 'The 6-digit code your app shows now',
  submit: 'Finish setting up',
  submitting: 'Setting up…',
  mismatch: 'The two passwords differ. Type the same password in both fields.',
  tooShort: 'Choose a password of at least 12 characters.',
  badCode: 'Enter the 6-digit code from your authenticator app.',
  unreachable: 'The service cannot be reached right now. Check your connection and try again.',
  doneHeading: 'You are set up',
  done: (username: string) =>
    `Sign in as ${username} with your new password and the next code your authenticator app shows.`,
  toSignIn: 'Go to sign in'
}

export const enrolmentStrings: Localized<typeof en> = {
  en,
  ja: {
    documentTitle: 'サインインの設定',
    heading: 'サインインの設定',
    intro: (name: string, username: string) =>
      `${name} さん（ユーザー名 ${username}）用のページです。ここでパスワードを決め、認証アプリにこの環境を追加します。どちらもご本人以外には見えません。`,
    opening: '登録用リンクを開いています…',
    partsIntro:
      'お受け取りになった登録用リンクを入力してください。審査者・管理者のリンクは2つの部分に分かれており、それぞれ別の管理者から届きます。各欄に1つずつ入力してください。リンク全体の場合は1つ目の欄に入力します。',
    part1: '第1部分、またはリンク全体',
    part2: '第2部分',
    partsSubmit: '開く',
    partsInvalid:
      '登録用リンクではないか、一部が欠けています。受け取ったとおり各部分を全部コピーするか、管理者に新しいリンクを依頼してください。',
    expires: (time: string) => `このリンクは ${time} まで、1回だけ使えます。`,
    stepAuthenticator: '1. 認証アプリにこの環境を追加する',
    authenticatorHint:
      '認証アプリで、このシークレットキー（時間ベース、6桁）のアカウントを追加するか、アプリのある端末でリンクを開いてください。表示はこの一度だけです。このページを離れた場合は、リンクをもう一度開くと新しいキーが表示されます。',
    secret: 'シークレットキー',
    openInApp: '認証アプリで開く',
    stepPassword: '2. パスワードを決める',
    password: 'パスワード',
    passwordHint: '12文字以上で、ユーザー名を含まないもの。長いパスフレーズが覚えやすくおすすめです。',
    confirm: '確認のためもう一度',
    stepCode: '3. コードで確認する',
    code: '認証アプリに今表示されている6桁のコード',
    submit: '設定を完了',
    submitting: '設定しています…',
    mismatch: '2つのパスワードが一致しません。両方に同じパスワードを入力してください。',
    tooShort: '12文字以上のパスワードにしてください。',
    badCode: '認証アプリに表示される6桁のコードを入力してください。',
    unreachable: '現在サービスに接続できません。接続を確認してから再度お試しください。',
    doneHeading: '設定が完了しました',
    done: (username: string) =>
      `${username} として、新しいパスワードと認証アプリに次に表示されるコードでサインインしてください。`,
    toSignIn: 'サインインへ'
  }
}
