import type { ReactNode } from 'react'
import type { ApiClient } from '../api/client'
import type { UserView } from '../api/types'
import type { Localized } from '../i18n/language'

/** One part of the administration console: its own folder under admin/, listed here in the order shown. */
export interface AdminTab {
  id: string
  label: Localized<string>
  render(props: { api: ApiClient; user: UserView }): ReactNode
}

export const ADMIN_TABS: AdminTab[] = []
