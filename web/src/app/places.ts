/**
 * The web app's places and the URL of each: the one spelling of every path, so that a link, a
 * redirect and the router agree. Ids are encoded: they come from the server, not from us.
 */

/** The workspace's tabs, in the order shown; the first is where a workspace opens. */
export const WORKSPACE_TABS = ['terminal', 'notebook', 'files', 'airlock'] as const
export type WorkspaceTab = (typeof WORKSPACE_TABS)[number]

export const isWorkspaceTab = (value: string | undefined): value is WorkspaceTab =>
  (WORKSPACE_TABS as readonly string[]).includes(value ?? '')

const part = (value: string) => encodeURIComponent(value)

export const places = {
  overview: () => '/',
  /** A project's workspace at one of its tabs (the terminal when none is named). */
  workspace: (projectId: string, tab: WorkspaceTab = WORKSPACE_TABS[0]) =>
    tab === WORKSPACE_TABS[0] ? `/projects/${part(projectId)}` : `/projects/${part(projectId)}/${tab}`,
  /** One of the researcher's airlock requests, opened in its project's Airlock tab. */
  myRequest: (projectId: string, requestId: string) => `/projects/${part(projectId)}/airlock/${part(requestId)}`,
  /** The review of a request (reviewers). */
  review: (requestId: string) => `/reviews/${part(requestId)}`,
  /** The administration console at a tab (the first when none is named), or a record inside it. */
  admin: (tab?: string, recordId?: string) =>
    tab === undefined ? '/admin' : recordId === undefined ? `/admin/${part(tab)}` : `/admin/${part(tab)}/${part(recordId)}`
}

/** Whether `pathname` is inside the workspace of `projectId` (its tabs and requests), where open editors stay mounted. */
export function inWorkspace(pathname: string, projectId: string): boolean {
  const home = places.workspace(projectId)
  return pathname === home || pathname.startsWith(`${home}/`)
}
