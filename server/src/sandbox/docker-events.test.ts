import { describe, expect, it } from 'vitest'
import { sandboxEventOf } from './docker-events.js'

describe('sandboxEventOf', () => {
  it("reads a container's death with its exit code and labels", () => {
    const line = JSON.stringify({
      id: 'c1',
      Action: 'die',
      Actor: { Attributes: { exitCode: '137', 'vre.session': 's1' } }
    })
    expect(sandboxEventOf(line)).toEqual({
      sandboxId: 'c1',
      labels: { exitCode: '137', 'vre.session': 's1' },
      kind: 'died',
      exitCode: 137
    })
  })

  it('reads an out-of-memory kill as oom, with no exit code when the engine gives none', () => {
    expect(sandboxEventOf(JSON.stringify({ id: 'c2', Action: 'oom' }))).toEqual({
      sandboxId: 'c2',
      labels: {},
      kind: 'oom',
      exitCode: null
    })
  })

  it('skips a blank line between events', () => {
    expect(sandboxEventOf('  ')).toBeNull()
  })
})
