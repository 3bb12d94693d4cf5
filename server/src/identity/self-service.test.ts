import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { newResearcher, openTempStore, removeTempStore, testEvent as ev } from '../../../test/support/temp-store.js'
import type { Keys } from '../keys/keys.js'
import type { Policy } from '../policy/schema.js'
import type { MeResponse } from '../schemas/auth.js'
import type { SqliteStore } from '../store/sqlite/sqlite-store.js'
import { createSelfService } from './self-service.js'

let dir: string
let store: SqliteStore

const service = () =>
  createSelfService({
    store,
    keys: {} as Keys,
    policy: () => ({}) as Policy,
    now: () => new Date('2026-03-01T10:00:00Z'),
    timeZone: 'UTC',
    userView: async (user) =>
      ({ id: user.id, username: user.username, organization: null }) as unknown as MeResponse['user']
  })

beforeEach(() => {
  ;({ store, dir } = openTempStore('vre-self-'))
})

afterEach(() => {
  removeTempStore(store, dir)
})

describe('self service', () => {
  it("shows a person their projects with each one's state today, and every reason they cannot work", async () => {
    const user = await newResearcher(store)
    const project = (title: string, startDate: string, endDate: string) =>
      store.createProject(
        { title, purpose: 'p', approvalReference: 'a', startDate, endDate, memberIds: [user.id], datasetIds: [] },
        ev('project.create')
      )
    await project('Running', '2026-01-01', '2026-12-31')
    await project('Ended', '2025-01-01', '2025-12-31')
    const me = await service().me(user)
    expect(me.user).toMatchObject({ username: 'rita' })
    expect(me.projects.map((p) => [p.title, p.state]).sort()).toEqual([
      ['Ended', 'ended'],
      ['Running', 'active']
    ])
    // no organization, so no certification: refused with that reason, not for want of a project
    expect(me.eligibility.canWork).toBe(false)
    expect(me.eligibility.reasons).toHaveLength(1)
    expect(me.eligibility.reasons[0]).not.toMatch(/project/)
  })
})
