import { createElement, type ReactNode } from 'react'
import type { ApiClient } from '../api/client'
import type { UserView } from '../api/types'
import type { Localized } from '../i18n/language'
import { AuditTab } from './audit/AuditTab'
import { auditStrings } from './audit/strings'

/** One part of the administration console: its own folder under admin/, listed here in the order shown. */
export interface AdminTab {
  id: string
  label: Localized<string>
  render(props: { api: ApiClient; user: UserView }): ReactNode
}

export const ADMIN_TABS: AdminTab[] = [
  {
    id: 'audit',
    label: { en: auditStrings.en.tab, ja: auditStrings.ja.tab },
    render: ({ api }) => createElement(AuditTab, { api })
  }
]
