import type { Localized } from '../../i18n/language'
import type { ProjectState } from '../../api/types'

const en = {
  tab: 'Projects',
  heading: 'Research projects',
  loading: 'Loading…',
  title: 'Title',
  purpose: 'Purpose',
  approval: 'Ethics / approval reference',
  start: 'Start date',
  end: 'End date',
  dates: 'Dates',
  state: { upcoming: 'upcoming', active: 'running', ended: 'ended' } as Record<ProjectState, string>,
  members: 'Members',
  datasets: 'Datasets',
  reviewers: 'Reviewers',
  noReviewers: 'No reviewer assigned: nobody can review its requests.',
  assignReviewer: 'Assign reviewer',
  unassign: (name: string) => `Unassign ${name}`,
  assignedBy: (admin: string, when: string) => `assigned by ${admin}, ${when}`,
  notIndependent: 'Sees none of its requests:',
  confirmUnassign: (user: string, project: string) =>
    `Unassign ${user} from "${project}"? They stop seeing its requests at once; the reviews they submitted stand.`,
  workspaces: 'Saved workspaces',
  deletedOn: (day: string) => `deleted on ${day}`,
  noWorkspaces: 'none',
  addMember: 'Add member',
  grant: 'Grant dataset',
  remove: (name: string) => `Remove ${name}`,
  revoke: (name: string) => `Revoke ${name}`,
  confirmRemove: (user: string, project: string) =>
    `Remove ${user} from "${project}"? A running analysis session of theirs in it ends at once.`,
  confirmRevoke: (dataset: string, project: string) =>
    `Revoke ${dataset} from "${project}"? The project's running analysis sessions end at once.`,
  choose: 'Choose…',
  edit: 'Edit',
  create: 'Create',
  createProject: 'Register a project',
  save: 'Save',
  cancel: 'Cancel',
  confirm: 'Confirm'
}

export const projectStrings: Localized<typeof en> = {
  en,
  ja: {
    tab: '研究課題',
    heading: '研究課題',
    loading: '読み込み中…',
    title: '課題名',
    purpose: '目的',
    approval: '倫理審査・承認番号',
    start: '開始日',
    end: '終了日',
    dates: '期間',
    state: { upcoming: '開始前', active: '実施中', ended: '終了' },
    members: 'メンバー',
    datasets: 'データセット',
    reviewers: '審査担当者',
    noReviewers: '審査担当者が割り当てられていません。この課題の申請は誰も審査できません。',
    assignReviewer: '審査担当者を割り当て',
    unassign: (name: string) => `${name} の割り当てを解除`,
    assignedBy: (admin: string, when: string) => `${admin} が割り当て(${when})`,
    notIndependent: 'この課題の申請は表示されません:',
    confirmUnassign: (user: string, project: string) =>
      `${user} の「${project}」への割り当てを解除しますか？この課題の申請は直ちに表示されなくなります。提出済みの審査はそのまま残ります。`,
    workspaces: '保存されたワークスペース',
    deletedOn: (day: string) => `${day} に削除`,
    noWorkspaces: 'なし',
    addMember: 'メンバーを追加',
    grant: 'データセットを付与',
    remove: (name: string) => `${name} を外す`,
    revoke: (name: string) => `${name} を取り消す`,
    confirmRemove: (user: string, project: string) =>
      `${user} を「${project}」から外しますか？この課題で実行中の解析セッションは直ちに終了します。`,
    confirmRevoke: (dataset: string, project: string) =>
      `${dataset} を「${project}」から取り消しますか？この課題の実行中の解析セッションは直ちに終了します。`,
    choose: '選択…',
    edit: '編集',
    create: '作成',
    createProject: '研究課題を登録',
    save: '保存',
    cancel: 'キャンセル',
    confirm: '実行'
  }
}
