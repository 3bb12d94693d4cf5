import { describe, expect, it } from 'vitest'
import { checkPath, refusal } from './workspace-files.js'

const asked = (op: string, path = 'analysis/a.txt', to = '') => ({ op, path, to, limit: 1024 })
const said = (e: Error) => ({ status: (e as { statusCode?: number }).statusCode, message: e.message })

describe("the Files view's refusals", () => {
  it('are sentences of the gateway naming only the paths the researcher sent', () => {
    expect(said(refusal('not_found', 'missing', asked('read')))).toEqual({
      status: 404,
      message: 'There is no analysis/a.txt in the workspace.'
    })
    expect(said(refusal('exists', 'exists', asked('move', 'a.txt', 'b/c.txt')))).toEqual({
      status: 409,
      message: 'b/c.txt exists already.'
    })
    expect(said(refusal('exists', 'exists', asked('outbox', 'drafts/t.csv')))).toEqual({
      status: 409,
      message: 'outbox/t.csv exists already.'
    })
    expect(said(refusal('not_found', 'no_folder', asked('mkdir', 'no/such/parent')))).toEqual({
      status: 404,
      message: 'The folder no/such does not exist.'
    })
    expect(said(refusal('too_large', 'file', asked('read')))).toMatchObject({ status: 413 })
  })

  it("keep the status of a code whose reason the gateway does not know, and still say nothing of the helper's", () => {
    expect(said(refusal('not_found', 'planted-reason', asked('delete')))).toEqual({
      status: 404,
      message: 'analysis/a.txt could not be deleted.'
    })
    expect(said(refusal('refused', 'os_error', asked('list', '')))).toEqual({
      status: 400,
      message: 'The workspace could not be listed.'
    })
    expect(said(refusal('anything', undefined, asked('write')))).toEqual({
      status: 400,
      message: 'analysis/a.txt could not be saved.'
    })
  })
})

describe('a workspace path the API takes', () => {
  it('may not give a file a name with a hidden character', () => {
    expect(() => checkPath('results/t\u202Evsc.py', 'The new path')).toThrow(
      /^The new path holds U\+202E \(a right-to-left override\) at character 10: /
    )
    expect(checkPath('results/table 1.csv', 'The new path')).toBe('results/table 1.csv')
  })

  it('may point at a file so named in the terminal, to open, rename or delete it', () => {
    expect(checkPath('results/t\u202Evsc.py')).toBe('results/t\u202Evsc.py')
    expect(() => checkPath('results/a\nb')).toThrow(/control character/)
  })
})
