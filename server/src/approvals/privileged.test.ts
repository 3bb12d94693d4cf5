import { describe, expect, it } from 'vitest'
import { editNeedsApproval, holdsPrivilegedRole, privilegedRoleChanges } from './privileged.js'

describe('privileged roles', () => {
  it('finds the reviewer and administrator roles a change grants and removes, and nothing else', () => {
    expect(privilegedRoleChanges(['researcher'], ['researcher', 'reviewer'])).toEqual({
      granted: ['reviewer'],
      removed: []
    })
    expect(privilegedRoleChanges(['reviewer', 'admin'], ['reviewer'])).toEqual({ granted: [], removed: ['admin'] })
    expect(privilegedRoleChanges(['reviewer'], ['admin'])).toEqual({ granted: ['admin'], removed: ['reviewer'] })
    // order and the researcher role do not count
    expect(privilegedRoleChanges(['admin', 'reviewer'], ['reviewer', 'admin', 'researcher'])).toEqual({
      granted: [],
      removed: []
    })
  })

  it('holds for a second administrator an edit that moves a privileged role, or moves its holder', () => {
    expect(editNeedsApproval({ roles: ['researcher'] }, { roles: ['researcher', 'reviewer'] })).toBe(true)
    expect(editNeedsApproval({ roles: ['reviewer'] }, { organizationId: 'org' })).toBe(true)
    expect(editNeedsApproval({ roles: ['admin'] }, { organizationId: null })).toBe(true)
    // becoming a reviewer and moving at once: held for the grant either way
    expect(editNeedsApproval({ roles: ['researcher'] }, { roles: ['reviewer'], organizationId: null })).toBe(true)
    // a researcher's move, or a reviewer's new name, is one administrator's
    expect(editNeedsApproval({ roles: ['researcher'] }, { organizationId: 'org' })).toBe(false)
    expect(editNeedsApproval({ roles: ['reviewer'] }, { displayName: 'New name' })).toBe(false)
  })

  it('knows who holds one', () => {
    expect(holdsPrivilegedRole(['researcher'])).toBe(false)
    expect(holdsPrivilegedRole(['researcher', 'reviewer'])).toBe(true)
    expect(holdsPrivilegedRole(['admin'])).toBe(true)
  })
})
