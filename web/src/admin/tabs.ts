import { createElement, type ReactNode } from 'react'
import type { ApiClient } from '../api/client'
import type { UserView } from '../api/types'
import type { Localized } from '../i18n/language'
import { ApprovalsTab } from './approvals/ApprovalsTab'
import { approvalStrings } from './approvals/strings'
import { AuditTab } from './audit/AuditTab'
import { auditStrings } from './audit/strings'
import { MonitoringTab } from './monitoring/MonitoringTab'
import { monitoringStrings } from './monitoring/strings'
import { PoliciesTab } from './policies/PoliciesTab'
import { policyStrings } from './policies/strings'
import { OrganizationsTab } from './people/OrganizationsTab'
import { peopleStrings } from './people/strings'
import { UsersTab } from './people/UsersTab'
import { ProjectsTab } from './projects/ProjectsTab'
import { projectStrings } from './projects/strings'

/** One part of the administration console: its own folder under admin/, listed here in the order shown. */
export interface AdminTab {
  /** also the tab's place: `/admin/<id>`, and `/admin/<id>/<recordId>` for a record in it */
  id: string
  label: Localized<string>
  render(props: { api: ApiClient; user: UserView }): ReactNode
}

export const ADMIN_TABS: AdminTab[] = [
  {
    id: 'policies',
    label: { en: policyStrings.en.tab, ja: policyStrings.ja.tab },
    render: ({ api }) => createElement(PoliciesTab, { api })
  },
  {
    id: 'organizations',
    label: { en: peopleStrings.en.organizationsTab, ja: peopleStrings.ja.organizationsTab },
    render: ({ api }) => createElement(OrganizationsTab, { api })
  },
  {
    id: 'users',
    label: { en: peopleStrings.en.usersTab, ja: peopleStrings.ja.usersTab },
    render: ({ api }) => createElement(UsersTab, { api })
  },
  {
    // changes one administrator asked for and a second approves
    id: 'approvals',
    label: { en: approvalStrings.en.tab, ja: approvalStrings.ja.tab },
    render: ({ api }) => createElement(ApprovalsTab, { api })
  },
  {
    id: 'projects',
    label: { en: projectStrings.en.tab, ja: projectStrings.ja.tab },
    render: ({ api }) => createElement(ProjectsTab, { api })
  },
  {
    id: 'audit',
    label: { en: auditStrings.en.tab, ja: auditStrings.ja.tab },
    render: ({ api }) => createElement(AuditTab, { api })
  },
  {
    id: 'monitoring',
    label: { en: monitoringStrings.en.tab, ja: monitoringStrings.ja.tab },
    render: ({ api }) => createElement(MonitoringTab, { api })
  }
]
