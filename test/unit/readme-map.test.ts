import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))

/** The folders the README's map names, by top-level folder: `server/` → ['src/auth/', ...]. */
function readmeMap(): Map<string, string[]> {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8')
  const from = readme.indexOf('## How it is built')
  const block = readme.slice(readme.indexOf('```\n', from) + 4, readme.indexOf('\n```', readme.indexOf('```\n', from) + 4))
  const map = new Map<string, string[]>()
  let top: string | null = null
  for (const line of block.split('\n')) {
    const heading = /^([\w.-]+\/)\s/.exec(line)
    if (heading !== null) {
      top = heading[1]!
      map.set(top, [])
      continue
    }
    // an entry: indented names of folders or files, then two or more spaces and what they hold
    const names = /^ {2}(\S+(?: \S+)*?)(?: {2,}|$)/.exec(line)
    if (top === null || names === null) continue
    map.get(top)!.push(...names[1]!.split(' ').filter((n) => n.startsWith('src/')))
  }
  return map
}

const folders = (dir: string) =>
  readdirSync(join(ROOT, dir), { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => `src/${e.name}/`)

describe("the README's map of the folders", () => {
  const map = readmeMap()

  it('names top-level folders that exist', () => {
    expect([...map.keys()]).toEqual(expect.arrayContaining(['server/', 'web/', 'test/', 'sandbox-images/']))
    for (const top of map.keys()) expect(existsSync(join(ROOT, top)), top).toBe(true)
  })

  it.each(['server/', 'web/'])('lists every folder of %s and nothing that is gone', (top) => {
    const listed = map.get(top) ?? []
    for (const entry of listed) expect(existsSync(join(ROOT, top, entry)), `${top}${entry}`).toBe(true)
    const listedFolders = listed.filter((e) => e.endsWith('/'))
    expect(listedFolders.slice().sort()).toEqual(folders(join(top, 'src')).sort())
  })
})
