import type { Localized } from '../i18n/language'

const en = {
  documentTitle: 'Administration',
  heading: 'Administration',
  back: 'Back to the overview',
  tabsLabel: 'Parts of the console',
  open: 'Open the administration console',
  openIntro: 'Policies, organizations and their certifications, users, projects, datasets and the audit log.'
}

export const adminStrings: Localized<typeof en> = {
  en,
  ja: {
    documentTitle: '管理',
    heading: '管理コンソール',
    back: '概要に戻る',
    tabsLabel: 'コンソールの項目',
    open: '管理コンソールを開く',
    openIntro: 'ポリシー、機関と認定、利用者、研究課題、データセット、監査ログを管理します。'
  }
}
