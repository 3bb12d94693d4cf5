import type { CertificationState, ProjectState, Role } from '../api/types'
import type { Localized } from '../i18n/language'

const en = {
  documentTitle: 'Overview',
  heading: 'Overview',
  signedInAs: 'Signed in as',
  rolesLabel: 'Roles',
  organizationLabel: 'Organization',
  noOrganization: 'No organization',
  roles: { researcher: 'Researcher', reviewer: 'Output reviewer', admin: 'Administrator' } satisfies Record<
    Role,
    string
  >,
  accountSuspended: 'Account suspended',
  signOut: 'Sign out',
  signingOut: 'Signing out…',
  loading: 'Loading your projects…',
  loadFailed: 'Your projects could not be loaded.',
  retry: 'Try again',
  eligibility: {
    blockedHeading: 'You cannot start analysis work',
    blockedIntro: 'Analysis sessions stay closed until the following is resolved:',
    notResearcherHeading: 'Analysis work is for researchers',
    ok: 'You can start analysis work in your active projects.'
  },
  certification: {
    heading: 'Type II certification',
    organization: 'Organization',
    number: 'Certificate number',
    validFrom: 'Valid from',
    validTo: 'Valid to',
    state: 'State',
    none: 'Your organization has no certification on record.',
    noOrganization: 'You are not affiliated with a certified organization.',
    states: {
      valid: 'Valid',
      expired: 'Expired',
      not_yet_valid: 'Not yet valid',
      suspended: 'Suspended',
      revoked: 'Revoked'
    } satisfies Record<CertificationState, string>
  },
  projects: {
    heading: 'Your research projects',
    empty: 'You are not a member of any research project. An administrator adds you to approved projects.',
    purpose: 'Purpose',
    approval: 'Approval reference',
    period: 'Period',
    periodValue: (from: string, to: string) => `${from} to ${to}`,
    datasets: 'Granted datasets',
    noDatasets: 'No datasets granted yet.',
    states: { upcoming: 'Upcoming', active: 'Active', ended: 'Ended' } satisfies Record<ProjectState, string>,
    openWorkspace: 'Start analysis'
  }
}

export const homeStrings: Localized<typeof en> = {
  en,
  ja: {
    documentTitle: '概要',
    heading: '概要',
    signedInAs: 'サインイン中',
    rolesLabel: 'ロール',
    organizationLabel: '所属',
    noOrganization: '所属なし',
    roles: { researcher: '研究者', reviewer: '出力審査者', admin: '管理者' },
    accountSuspended: 'アカウント停止中',
    signOut: 'サインアウト',
    signingOut: 'サインアウトしています…',
    loading: 'プロジェクトを読み込んでいます…',
    loadFailed: 'プロジェクトを読み込めませんでした。',
    retry: '再試行',
    eligibility: {
      blockedHeading: '解析作業を開始できません',
      blockedIntro: '次の問題が解消されるまで、解析セッションは開始できません。',
      notResearcherHeading: '解析作業は研究者のみが行えます',
      ok: '実施中のプロジェクトで解析作業を開始できます。'
    },
    certification: {
      heading: 'II型認定',
      organization: '事業者',
      number: '認定番号',
      validFrom: '有効期間（開始）',
      validTo: '有効期間（終了）',
      state: '状態',
      none: '所属事業者の認定が登録されていません。',
      noOrganization: '認定事業者に所属していません。',
      states: {
        valid: '有効',
        expired: '期限切れ',
        not_yet_valid: '有効期間前',
        suspended: '停止中',
        revoked: '取消し'
      }
    },
    projects: {
      heading: '参加している研究プロジェクト',
      empty: '参加している研究プロジェクトはありません。承認済みプロジェクトへの追加は管理者が行います。',
      purpose: '目的',
      approval: '承認番号',
      period: '期間',
      periodValue: (from: string, to: string) => `${from} 〜 ${to}`,
      datasets: '利用可能なデータセット',
      noDatasets: '利用可能なデータセットはまだありません。',
      states: { upcoming: '開始前', active: '実施中', ended: '終了' },
      openWorkspace: '解析を開始'
    }
  }
}
