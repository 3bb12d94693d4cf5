import { describe, expect, it } from 'vitest'
import { inWorkspace, isWorkspaceTab, places } from './places'

describe('places', () => {
  it('opens a workspace at its terminal without naming the tab, and names every other tab', () => {
    expect(places.workspace('p1')).toBe('/projects/p1')
    expect(places.workspace('p1', 'terminal')).toBe('/projects/p1')
    expect(places.workspace('p1', 'notebook')).toBe('/projects/p1/notebook')
    expect(places.myRequest('p1', 'r1')).toBe('/projects/p1/airlock/r1')
  })

  it('encodes ids, so an id with a slash or a space stays one path segment', () => {
    expect(places.review('a/b c')).toBe('/reviews/a%2Fb%20c')
    expect(places.admin('users', 'x/y')).toBe('/admin/users/x%2Fy')
  })

  it('spells the console with and without a tab and a record', () => {
    expect(places.admin()).toBe('/admin')
    expect(places.admin('audit')).toBe('/admin/audit')
    expect(places.admin('users', 'u1')).toBe('/admin/users/u1')
  })

  it('knows the workspace tabs and nothing else', () => {
    expect(isWorkspaceTab('files')).toBe(true)
    expect(isWorkspaceTab('settings')).toBe(false)
    expect(isWorkspaceTab(undefined)).toBe(false)
  })

  it('counts a tab or a request of the same project as inside its workspace, not another project nor a prefix', () => {
    expect(inWorkspace('/projects/p1', 'p1')).toBe(true)
    expect(inWorkspace('/projects/p1/airlock/r1', 'p1')).toBe(true)
    expect(inWorkspace('/projects/p12', 'p1')).toBe(false)
    expect(inWorkspace('/', 'p1')).toBe(false)
  })
})
